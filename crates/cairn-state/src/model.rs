//! The state model: what cairn knows about the objects it manages. This is
//! the serialized form written to `state.json` (see `docs/state-format.md`).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::address::{format_key, IndexKey};

/// The state format version this build reads and writes.
pub const STATE_VERSION: u32 = 1;

/// The version of cairn recorded in states written by this build.
pub const CAIRN_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A whole state: every resource instance and output cairn manages for one
/// configuration.
///
/// Build one with [`State::new`]; the fields are public, but the state also
/// keeps a private lookup index so that [`State::apply_entry`] is O(1) on
/// states of 100,000 instances.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Format version ([`STATE_VERSION`]).
    pub version: u32,
    /// Incremented on every write; history files are named after it.
    pub serial: u64,
    /// A UUID given to a state when it is created and kept for its life, so
    /// that a state is never overwritten by an unrelated one.
    pub lineage: String,
    /// The cairn version that wrote the state.
    pub cairn_version: String,
    #[serde(default)]
    pub resources: Vec<ResourceState>,
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputState>,
    /// Creates that were started but not seen to finish (the run crashed or
    /// the call failed): instance address -> the idempotency key sent with
    /// the create. The next create of that address sends the same key, so
    /// an object the lost call made is returned, not made a second time.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pending_creates: BTreeMap<String, String>,
    /// The configuration this version was applied from (kept so that
    /// `cairn rollback --to SERIAL` can plan back to it). States written
    /// by other tools, or by a cairn before it kept them, have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<ConfigSnapshot>,
    /// How the key that encrypts this state's sensitive values is
    /// obtained (a key file, a passphrase, AWS KMS), with a check value
    /// so a wrong key is refused before anything is decrypted. States
    /// written before cairn recorded it have none (a raw key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<KeyInfo>,
    #[serde(skip)]
    pub(crate) index: Index,
}

/// A configuration as it was applied: its files and its root variables'
/// values.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigSnapshot {
    /// The configuration files (`.tf`, `.tf.json`) as a JSON object from
    /// path (relative to the root module's directory; local modules'
    /// files beside it start with `../`) to text, encrypted with the state
    /// key ([`crate::Cipher::encrypt`]): configurations hold literal
    /// secrets often enough that state never keeps them in plaintext.
    pub files: String,
    /// Root variables' final values as JSON. Sensitive ones are encrypted
    /// with the state key (the same as sensitive attributes).
    pub variables: BTreeMap<String, SnapshotValue>,
    /// `terraform.workspace` (the environment) it was applied in.
    #[serde(default)]
    pub workspace: String,
}

/// The key header of a state (and of a saved plan): enough to find or
/// derive the key again, never the key itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    /// The key derivation: `{"type": "key-file"}` (a raw 32-byte key from
    /// `CAIRN_STATE_KEY` or a key file), `{"type":
    /// "pbkdf2-hmac-sha512", "iterations", "salt"}` (a passphrase) or
    /// `{"type": "kms", "key_id", "encrypted_data_key"}` (a data key
    /// wrapped by AWS KMS). Interpreted by the caller, not by this crate.
    pub kdf: serde_json::Value,
    /// The key's fingerprint ([`crate::Cipher::key_id`]).
    pub key_id: String,
    /// A constant encrypted with the key ([`crate::Cipher::check_token`]).
    pub check: String,
}

/// One root variable's value in a [`ConfigSnapshot`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotValue {
    Plain(serde_json::Value),
    /// The JSON text, encrypted ([`crate::Cipher::encrypt`]).
    Encrypted(String),
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

impl State {
    /// An empty state with a fresh lineage and serial 0 (the first write
    /// makes it serial 1).
    pub fn new() -> State {
        State::with_lineage(uuid::Uuid::new_v4().to_string())
    }

    pub fn with_lineage(lineage: impl Into<String>) -> State {
        State {
            version: STATE_VERSION,
            serial: 0,
            lineage: lineage.into(),
            cairn_version: CAIRN_VERSION.to_string(),
            resources: Vec::new(),
            outputs: BTreeMap::new(),
            pending_creates: BTreeMap::new(),
            config: None,
            key: None,
            index: Index::default(),
        }
    }

    /// Number of instance objects (current and deposed) in the state.
    pub fn instance_count(&self) -> usize {
        self.resources.iter().map(|r| r.instances.len()).sum()
    }

    /// Sorts resources by address and instances by key, the order in which
    /// they are written. Operations that edit the state in place may leave
    /// them in another order (see [`State::apply_entry`]).
    pub fn normalize(&mut self) {
        self.resources.sort_by(|a, b| {
            (&a.module, a.mode, &a.type_name, &a.name).cmp(&(
                &b.module,
                b.mode,
                &b.type_name,
                &b.name,
            ))
        });
        for r in &mut self.resources {
            r.instances
                .sort_by(|a, b| (&a.index_key, &a.deposed).cmp(&(&b.index_key, &b.deposed)));
        }
        self.index.clear();
    }
}

/// Whether a resource is managed by cairn or only read (a data source).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Managed,
    Data,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Managed => "managed",
            Mode::Data => "data",
        })
    }
}

/// One `resource` or `data` block instance set: all instances of it in one
/// module instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    /// The module instance path: `""` for the root module, else
    /// `module.a["x"].module.b[0]` (see [`crate::format_module_path`]).
    #[serde(default)]
    pub module: String,
    pub mode: Mode,
    #[serde(rename = "type")]
    pub type_name: String,
    pub name: String,
    /// The provider configuration that manages it (`provider.aws.west`).
    pub provider: String,
    #[serde(default)]
    pub instances: Vec<InstanceState>,
}

impl ResourceState {
    /// The resource's address: `module.a.aws_vpc.main`, `data.x.y`.
    pub fn address(&self) -> String {
        resource_address(&self.module, self.mode, &self.type_name, &self.name)
    }

    /// The full address of one of its instances: `aws_instance.web[0]`,
    /// `aws_instance.web["key"]`. Deposed objects share the address of the
    /// instance they belonged to.
    pub fn instance_address(&self, instance: &InstanceState) -> String {
        let mut a = self.address();
        if let Some(k) = &instance.index_key {
            a.push('[');
            a.push_str(&format_key(k));
            a.push(']');
        }
        a
    }

    /// The current (not deposed) instance with this key.
    pub fn instance(&self, key: Option<&IndexKey>) -> Option<&InstanceState> {
        self.instances
            .iter()
            .find(|i| i.index_key.as_ref() == key && i.deposed.is_none())
    }

    /// Module, mode, type, name and provider: what a journal entry needs
    /// to recreate the resource.
    pub fn meta(&self) -> ResourceMeta {
        ResourceMeta {
            module: self.module.clone(),
            mode: self.mode,
            type_name: self.type_name.clone(),
            name: self.name.clone(),
            provider: self.provider.clone(),
        }
    }

    pub fn id(&self) -> ResourceId {
        ResourceId {
            module: self.module.clone(),
            mode: self.mode,
            type_name: self.type_name.clone(),
            name: self.name.clone(),
        }
    }

    pub(crate) fn is(&self, module: &str, mode: Mode, type_name: &str, name: &str) -> bool {
        self.mode == mode
            && self.name == name
            && self.type_name == type_name
            && self.module == module
    }
}

/// Formats a resource address from its parts.
pub fn resource_address(module: &str, mode: Mode, type_name: &str, name: &str) -> String {
    let mut a = String::with_capacity(module.len() + type_name.len() + name.len() + 8);
    if !module.is_empty() {
        a.push_str(module);
        a.push('.');
    }
    if mode == Mode::Data {
        a.push_str("data.");
    }
    a.push_str(type_name);
    a.push('.');
    a.push_str(name);
    a
}

/// One object of a resource: the current object of an instance, or a
/// deposed one (an old object kept while its `create_before_destroy`
/// replacement is created).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstanceState {
    /// `None` for a resource without `count`/`for_each`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_key: Option<IndexKey>,
    #[serde(default)]
    pub schema_version: u64,
    /// A JSON object; sensitive parts are stored encrypted (see
    /// [`crate::encode_value`]).
    pub attributes: serde_json::Value,
    /// Paths of the encrypted parts of `attributes` (attribute names, map
    /// keys and list indices as strings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive_paths: Vec<Vec<String>>,
    /// Addresses of the resources this object depended on when it was
    /// created, so it can be destroyed in the right order without the
    /// configuration.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub create_before_destroy: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub tainted: bool,
    /// The deposed key of an old object, `None` for the current object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposed: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl InstanceState {
    /// A current object with the given key and attributes, everything else
    /// empty.
    pub fn new(index_key: Option<IndexKey>, attributes: serde_json::Value) -> InstanceState {
        InstanceState {
            index_key,
            schema_version: 0,
            attributes,
            sensitive_paths: Vec::new(),
            dependencies: Vec::new(),
            create_before_destroy: false,
            tainted: false,
            deposed: None,
        }
    }
}

/// A root module output value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputState {
    /// The value as JSON; encrypted (wholly or in parts) when sensitive.
    pub value: serde_json::Value,
    /// The value's type in `cairn_value::json::type_to_json` form.
    #[serde(rename = "type")]
    pub ty: serde_json::Value,
    #[serde(default)]
    pub sensitive: bool,
}

/// Identifies a resource: module instance, mode, type and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ResourceId {
    #[serde(default)]
    pub module: String,
    pub mode: Mode,
    #[serde(rename = "type")]
    pub type_name: String,
    pub name: String,
}

impl ResourceId {
    pub fn address(&self) -> String {
        resource_address(&self.module, self.mode, &self.type_name, &self.name)
    }
}

/// A resource's identity plus its provider: enough to create its entry in
/// a state.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ResourceMeta {
    #[serde(default)]
    pub module: String,
    pub mode: Mode,
    #[serde(rename = "type")]
    pub type_name: String,
    pub name: String,
    pub provider: String,
}

impl ResourceMeta {
    pub fn address(&self) -> String {
        resource_address(&self.module, self.mode, &self.type_name, &self.name)
    }
    pub fn id(&self) -> ResourceId {
        ResourceId {
            module: self.module.clone(),
            mode: self.mode,
            type_name: self.type_name.clone(),
            name: self.name.clone(),
        }
    }
}

/// `IndexKey` is an integer (`count`) or a string (`for_each`); in JSON a
/// number or a string. Deserialized through `serde_json::Value` because
/// serde_json's `arbitrary_precision` feature hands untagged numbers to
/// visitors as a private map.
impl Serialize for IndexKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            IndexKey::Int(i) => s.serialize_u64(*i),
            IndexKey::Str(k) => s.serialize_str(k),
        }
    }
}

impl<'de> Deserialize<'de> for IndexKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(IndexKey::Str(s)),
            serde_json::Value::Number(n) => n.as_u64().map(IndexKey::Int).ok_or_else(|| {
                D::Error::custom(format!("index key {n} is not a non-negative whole number"))
            }),
            other => Err(D::Error::custom(format!(
                "index key must be a number or a string, found {other}"
            ))),
        }
    }
}

/// Positions of resources and instances by key, so that applying a journal
/// entry does not scan the state. It is a cache: every hit is checked
/// against the element it points to, and it is rebuilt whenever the
/// number of resources or instances differs from when it was built (which
/// catches edits made directly through the public fields).
#[derive(Default)]
pub(crate) struct Index {
    built_len: Option<usize>,
    resources: HashMap<String, usize>,
    instances: Vec<InstIndex>,
}

#[derive(Default)]
struct InstIndex {
    built_len: Option<usize>,
    map: HashMap<(Option<IndexKey>, Option<String>), usize>,
}

/// A clone starts with an empty index (rebuilt on first use) rather than
/// copying a large map that may never be used.
impl Clone for Index {
    fn clone(&self) -> Self {
        Index::default()
    }
}

/// The index is derived data: states are equal when their contents are.
impl PartialEq for Index {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Index")
    }
}

impl Index {
    pub(crate) fn clear(&mut self) {
        *self = Index::default();
    }
}

impl State {
    fn ensure_resource_index(&mut self) {
        if self.index.built_len == Some(self.resources.len()) {
            return;
        }
        let idx = &mut self.index;
        idx.resources.clear();
        idx.instances.clear();
        for (i, r) in self.resources.iter().enumerate() {
            idx.resources.insert(r.address(), i);
            idx.instances.push(InstIndex::default());
        }
        idx.built_len = Some(self.resources.len());
    }

    /// Position of a resource, through the index.
    pub(crate) fn find_resource_pos(
        &mut self,
        module: &str,
        mode: Mode,
        type_name: &str,
        name: &str,
    ) -> Option<usize> {
        let addr = resource_address(module, mode, type_name, name);
        for attempt in 0..2 {
            self.ensure_resource_index();
            match self.index.resources.get(&addr) {
                Some(&pos)
                    if self
                        .resources
                        .get(pos)
                        .is_some_and(|r| r.is(module, mode, type_name, name)) =>
                {
                    return Some(pos)
                }
                // A stale entry: the state was edited in place.
                Some(_) if attempt == 0 => self.index.clear(),
                Some(_) => break,
                None => return None,
            }
        }
        // Only reachable with duplicate resources, which a valid state
        // does not have.
        self.resources
            .iter()
            .position(|r| r.is(module, mode, type_name, name))
    }

    pub(crate) fn push_resource(&mut self, r: ResourceState) -> usize {
        self.ensure_resource_index();
        let pos = self.resources.len();
        self.index.resources.insert(r.address(), pos);
        self.index.instances.push(InstIndex::default());
        self.resources.push(r);
        self.index.built_len = Some(self.resources.len());
        pos
    }

    /// Removes a resource by swapping the last one into its place, so that
    /// only one index entry changes.
    pub(crate) fn swap_remove_resource(&mut self, pos: usize) -> ResourceState {
        self.ensure_resource_index();
        let removed = self.resources.swap_remove(pos);
        self.index.resources.remove(&removed.address());
        if pos < self.index.instances.len() {
            self.index.instances.swap_remove(pos);
        }
        if let Some(moved) = self.resources.get(pos) {
            self.index.resources.insert(moved.address(), pos);
        }
        self.index.built_len = Some(self.resources.len());
        removed
    }

    fn ensure_instance_index(&mut self, rpos: usize) {
        let Some(r) = self.resources.get(rpos) else {
            return;
        };
        let Some(ix) = self.index.instances.get_mut(rpos) else {
            return;
        };
        if ix.built_len == Some(r.instances.len()) {
            return;
        }
        ix.map.clear();
        for (i, inst) in r.instances.iter().enumerate() {
            ix.map
                .insert((inst.index_key.clone(), inst.deposed.clone()), i);
        }
        ix.built_len = Some(r.instances.len());
    }

    pub(crate) fn find_instance_pos(
        &mut self,
        rpos: usize,
        key: &Option<IndexKey>,
        deposed: &Option<String>,
    ) -> Option<usize> {
        self.ensure_instance_index(rpos);
        let k = (key.clone(), deposed.clone());
        let hit = self
            .index
            .instances
            .get(rpos)
            .and_then(|ix| ix.map.get(&k))
            .copied();
        let r = self.resources.get(rpos)?;
        match hit {
            Some(i)
                if r.instances
                    .get(i)
                    .is_some_and(|x| &x.index_key == key && &x.deposed == deposed) =>
            {
                Some(i)
            }
            // Stale or missing in a possibly stale map: fall back to a scan
            // (and rebuild next time).
            Some(_) => {
                if let Some(ix) = self.index.instances.get_mut(rpos) {
                    ix.built_len = None;
                }
                r.instances
                    .iter()
                    .position(|x| &x.index_key == key && &x.deposed == deposed)
            }
            None => None,
        }
    }

    pub(crate) fn push_instance(&mut self, rpos: usize, inst: InstanceState) {
        self.ensure_instance_index(rpos);
        let Some(r) = self.resources.get_mut(rpos) else {
            return;
        };
        let pos = r.instances.len();
        let key = (inst.index_key.clone(), inst.deposed.clone());
        r.instances.push(inst);
        let len = r.instances.len();
        if let Some(ix) = self.index.instances.get_mut(rpos) {
            ix.map.insert(key, pos);
            ix.built_len = Some(len);
        }
    }

    pub(crate) fn swap_remove_instance(&mut self, rpos: usize, ipos: usize) {
        self.ensure_instance_index(rpos);
        let Some(r) = self.resources.get_mut(rpos) else {
            return;
        };
        if ipos >= r.instances.len() {
            return;
        }
        let removed = r.instances.swap_remove(ipos);
        let moved = r
            .instances
            .get(ipos)
            .map(|m| (m.index_key.clone(), m.deposed.clone()));
        let len = r.instances.len();
        if let Some(ix) = self.index.instances.get_mut(rpos) {
            ix.map.remove(&(removed.index_key, removed.deposed));
            if let Some(k) = moved {
                ix.map.insert(k, ipos);
            }
            ix.built_len = Some(len);
        }
    }
}
