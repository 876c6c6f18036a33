//! The engine's state sink on cairn-state's journal: every operation is
//! durable before apply moves on, and the in-memory state follows along so
//! the run ends by compacting it into a new state version.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use cairn_engine::{InstanceAddr, InstanceRecord, Mode, StateSink};
use cairn_state::{
    Cipher, InstanceState, Journal, JournalEntry, OutputState, ResourceId, ResourceMeta, State,
};
use cairn_value::Value;

use crate::session::{key_to_state, provider_string};

pub struct JournalSink {
    journal: Arc<Journal>,
    state: Mutex<State>,
    cipher: Cipher,
    registry: cairn_engine::Registry,
}

impl JournalSink {
    pub fn new(
        journal: Journal,
        state: State,
        cipher: Cipher,
        registry: cairn_engine::Registry,
    ) -> Self {
        JournalSink {
            journal: Arc::new(journal),
            state: Mutex::new(state),
            cipher,
            registry,
        }
    }

    /// Ends the run: writes the compacted state as a new version and drops
    /// the journal. Returns the new state.
    pub fn finish(self) -> Result<State, String> {
        let mut state = self
            .state
            .into_inner()
            .map_err(|_| "state lock poisoned".to_string())?;
        let journal =
            Arc::try_unwrap(self.journal).map_err(|_| "journal still in use".to_string())?;
        journal.finish(&mut state).map_err(|e| e.to_string())?;
        Ok(state)
    }

    async fn record(&self, entry: JournalEntry) -> Result<(), String> {
        let j = self.journal.clone();
        let e = entry.clone();
        // `record` waits for the fsync; keep it off the async workers.
        tokio::task::spawn_blocking(move || j.record(&e))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        let mut st = self
            .state
            .lock()
            .map_err(|_| "state lock poisoned".to_string())?;
        st.apply_entry(&entry);
        Ok(())
    }
}

fn resource_id(addr: &InstanceAddr) -> ResourceId {
    ResourceId {
        module: addr.resource.module.to_string(),
        mode: state_mode(addr.resource.mode),
        type_name: addr.resource.type_name.clone(),
        name: addr.resource.name.clone(),
    }
}

fn state_mode(m: Mode) -> cairn_state::Mode {
    match m {
        Mode::Managed => cairn_state::Mode::Managed,
        Mode::Data => cairn_state::Mode::Data,
    }
}

#[async_trait]
impl StateSink for JournalSink {
    async fn set_instance(&self, rec: InstanceRecord) -> Result<(), String> {
        let mut inst = InstanceState::new(key_to_state(&rec.addr.key), serde_json::Value::Null);
        inst.set_attributes(
            &crate::dynamic::wrap(&self.registry, &rec.provider_name, &rec.addr, &rec.value),
            &self.cipher,
        )
        .map_err(|e| e.to_string())?;
        inst.schema_version = rec.schema_version;
        inst.dependencies = rec.dependencies.clone();
        inst.create_before_destroy = rec.create_before_destroy;
        inst.deposed = rec.deposed.clone();
        let id = resource_id(&rec.addr);
        let entry = JournalEntry::SetInstance {
            resource: ResourceMeta {
                module: id.module,
                mode: id.mode,
                type_name: id.type_name,
                name: id.name,
                provider: provider_string(&rec.provider_key),
            },
            instance: inst,
        };
        self.record(entry).await
    }

    async fn pending_create(&self, addr: &InstanceAddr, key: &str) -> Result<(), String> {
        self.record(JournalEntry::PendingCreate {
            address: addr.to_string(),
            key: key.to_string(),
        })
        .await
    }

    async fn remove_instance(
        &self,
        addr: &InstanceAddr,
        deposed: Option<&str>,
    ) -> Result<(), String> {
        self.record(JournalEntry::RemoveInstance {
            resource: resource_id(addr),
            index_key: key_to_state(&addr.key),
            deposed: deposed.map(str::to_string),
        })
        .await
    }

    async fn set_output(
        &self,
        name: &str,
        value: Option<Value>,
        sensitive: bool,
    ) -> Result<(), String> {
        let entry = match value {
            Some(v) => JournalEntry::SetOutput {
                name: name.to_string(),
                output: OutputState::encode(&v, sensitive, &self.cipher)
                    .map_err(|e| e.to_string())?,
            },
            None => JournalEntry::RemoveOutput {
                name: name.to_string(),
            },
        };
        self.record(entry).await
    }
}
