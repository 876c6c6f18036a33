//! Operations on a state in memory: applying journal entries, and what
//! `cairn state list/show/rm/mv` need.

use crate::address::{format_module_path, parse_module_path, InstanceAddr, ModuleStep, Target};
use crate::error::StateError;
use crate::journal::JournalEntry;
use crate::model::{InstanceState, Mode, ResourceState, State};

impl State {
    /// Every instance object with its resource and full address, in state
    /// order. Deposed objects share their instance's address.
    pub fn instances(&self) -> impl Iterator<Item = (&ResourceState, &InstanceState, String)> + '_ {
        self.resources.iter().flat_map(|r| {
            r.instances
                .iter()
                .map(move |i| (r, i, r.instance_address(i)))
        })
    }

    /// The resource with this address (`module.a.aws_vpc.main`).
    pub fn resource(&self, address: &str) -> Option<&ResourceState> {
        let a = InstanceAddr::parse(address).ok()?;
        let module = format_module_path(&a.module);
        self.find_resource(&module, a.mode, &a.type_name, &a.name)
    }

    /// The resource with these parts (`module` in its stored form).
    pub fn find_resource(
        &self,
        module: &str,
        mode: Mode,
        type_name: &str,
        name: &str,
    ) -> Option<&ResourceState> {
        self.resources
            .iter()
            .find(|r| r.is(module, mode, type_name, name))
    }

    /// Applies one journal entry (see [`State::apply`]).
    pub fn apply_entry(&mut self, entry: &JournalEntry) {
        self.apply(entry.clone());
    }

    /// Applies one journal entry, taking it by value. Lookups go through
    /// an index, so this is O(1) however large the state; removals swap the
    /// last element into place, so resources and instances can end up out
    /// of order until [`State::normalize`] (which every write does).
    /// Removing something absent is not an error: replaying an entry twice
    /// gives the same state.
    pub fn apply(&mut self, entry: JournalEntry) {
        match entry {
            JournalEntry::PendingCreate { address, key } => {
                self.pending_creates.insert(address, key);
            }
            JournalEntry::SetInstance { resource, instance } => {
                if !self.pending_creates.is_empty() && instance.deposed.is_none() {
                    let mut addr = crate::model::resource_address(
                        &resource.module,
                        resource.mode,
                        &resource.type_name,
                        &resource.name,
                    );
                    if let Some(k) = &instance.index_key {
                        addr.push('[');
                        addr.push_str(&crate::address::format_key(k));
                        addr.push(']');
                    }
                    self.pending_creates.remove(&addr);
                }
                let rpos = match self.find_resource_pos(
                    &resource.module,
                    resource.mode,
                    &resource.type_name,
                    &resource.name,
                ) {
                    Some(p) => {
                        if let Some(r) = self.resources.get_mut(p) {
                            if r.provider != resource.provider {
                                r.provider = resource.provider;
                            }
                        }
                        p
                    }
                    None => self.push_resource(ResourceState {
                        module: resource.module,
                        mode: resource.mode,
                        type_name: resource.type_name,
                        name: resource.name,
                        provider: resource.provider,
                        instances: Vec::new(),
                    }),
                };
                match self.find_instance_pos(rpos, &instance.index_key, &instance.deposed) {
                    Some(ipos) => {
                        if let Some(slot) = self
                            .resources
                            .get_mut(rpos)
                            .and_then(|r| r.instances.get_mut(ipos))
                        {
                            *slot = instance;
                        }
                    }
                    None => self.push_instance(rpos, instance),
                }
            }
            JournalEntry::RemoveInstance {
                resource,
                index_key,
                deposed,
            } => {
                let Some(rpos) = self.find_resource_pos(
                    &resource.module,
                    resource.mode,
                    &resource.type_name,
                    &resource.name,
                ) else {
                    return;
                };
                if let Some(ipos) = self.find_instance_pos(rpos, &index_key, &deposed) {
                    self.swap_remove_instance(rpos, ipos);
                }
                if self
                    .resources
                    .get(rpos)
                    .is_some_and(|r| r.instances.is_empty())
                {
                    self.swap_remove_resource(rpos);
                }
            }
            JournalEntry::SetOutput { name, output } => {
                self.outputs.insert(name, output);
            }
            JournalEntry::RemoveOutput { name } => {
                self.outputs.remove(&name);
            }
        }
    }

    /// Addresses of the instances matching `filter` (a module, resource
    /// or instance address; `None` for all), sorted, each once.
    pub fn list(&self, filter: Option<&str>) -> Result<Vec<String>, StateError> {
        let target = filter.map(Target::parse).transpose()?;
        let mut addrs = Vec::new();
        for r in &self.resources {
            let module = resource_module(r)?;
            if let Some(t) = &target {
                if !t.matches_resource(&module, r.mode, &r.type_name, &r.name) {
                    continue;
                }
            }
            for i in &r.instances {
                if let Some(Target::Instance(a)) = &target {
                    if a.key != i.index_key {
                        continue;
                    }
                }
                addrs.push(InstanceAddr {
                    module: module.clone(),
                    mode: r.mode,
                    type_name: r.type_name.clone(),
                    name: r.name.clone(),
                    key: i.index_key.clone(),
                });
            }
        }
        addrs.sort();
        addrs.dedup();
        Ok(addrs.iter().map(ToString::to_string).collect())
    }

    /// The current object of an instance (`aws_instance.web[0]`, or
    /// `aws_instance.web` for a resource without count/for_each).
    pub fn get_instance(
        &self,
        address: &str,
    ) -> Result<(&ResourceState, &InstanceState), StateError> {
        let a = InstanceAddr::parse(address)?;
        let module = format_module_path(&a.module);
        self.find_resource(&module, a.mode, &a.type_name, &a.name)
            .and_then(|r| r.instance(a.key.as_ref()).map(|i| (r, i)))
            .ok_or_else(|| StateError::NotFound {
                what: "instance",
                address: address.to_string(),
            })
    }

    /// Removes a module (everything in it), a resource (all its
    /// instances) or one instance (with its deposed objects). Returns the
    /// number of objects removed; nothing matching is an error.
    pub fn remove(&mut self, address: &str) -> Result<usize, StateError> {
        let target = Target::parse(address)?;
        // Parse every module path first, so an invalid one stops the
        // removal before anything changes.
        let modules = self
            .resources
            .iter()
            .map(resource_module)
            .collect::<Result<Vec<_>, _>>()?;
        let mut removed = 0;
        let mut matched = false;
        let mut keep = Vec::with_capacity(self.resources.len());
        for (mut r, module) in std::mem::take(&mut self.resources).into_iter().zip(modules) {
            if !target.matches_resource(&module, r.mode, &r.type_name, &r.name) {
                keep.push(r);
                continue;
            }
            match &target {
                Target::Instance(a) => {
                    let before = r.instances.len();
                    r.instances.retain(|i| i.index_key != a.key);
                    let n = before - r.instances.len();
                    if n > 0 {
                        matched = true;
                        removed += n;
                    }
                    if !r.instances.is_empty() {
                        keep.push(r);
                    }
                }
                _ => {
                    matched = true;
                    removed += r.instances.len();
                }
            }
        }
        self.resources = keep;
        self.index.clear();
        if !matched {
            return Err(StateError::NotFound {
                what: "resource or instance",
                address: address.to_string(),
            });
        }
        Ok(removed)
    }

    /// Moves a module, a resource or an instance to a new address: a
    /// resource to another name or module, an instance to another key or
    /// resource (into or out of modules). The target must not exist, the
    /// source must, and the resource type and mode cannot change. Returns
    /// the number of objects moved.
    pub fn move_instance(&mut self, from: &str, to: &str) -> Result<usize, StateError> {
        let src = Target::parse(from)?;
        let dst = Target::parse(to)?;
        let n = match (&src, &dst) {
            (Target::Module(f), Target::Module(t)) => self.move_module(from, f, to, t)?,
            (Target::Module(_), _) | (_, Target::Module(_)) => {
                return Err(StateError::Invalid {
                    message: format!(
                        "cannot move {from} to {to}: a module moves only to another module address"
                    ),
                })
            }
            (Target::Resource(f), Target::Resource(t)) => self.move_resource(from, f, t)?,
            (
                Target::Resource(f) | Target::Instance(f),
                Target::Resource(t) | Target::Instance(t),
            ) => self.move_one_instance(from, f, t)?,
        };
        self.index.clear();
        Ok(n)
    }

    fn move_module(
        &mut self,
        from: &str,
        f: &[ModuleStep],
        to: &str,
        t: &[ModuleStep],
    ) -> Result<usize, StateError> {
        let modules = self
            .resources
            .iter()
            .map(resource_module)
            .collect::<Result<Vec<_>, _>>()?;
        let exact_prefix =
            |p: &[ModuleStep], m: &[ModuleStep]| m.len() >= p.len() && m[..p.len()] == *p;
        if t.len() >= f.len() && t[..f.len()] == *f {
            return Err(StateError::Invalid {
                message: format!("cannot move {from} into itself ({to})"),
            });
        }
        if modules.iter().any(|m| exact_prefix(t, m)) {
            return Err(StateError::AlreadyExists {
                address: to.to_string(),
            });
        }
        let mut n = 0;
        let mut any = false;
        for (r, m) in self.resources.iter_mut().zip(&modules) {
            if exact_prefix(f, m) {
                let mut new = t.to_vec();
                new.extend_from_slice(&m[f.len()..]);
                r.module = format_module_path(&new);
                n += r.instances.len();
                any = true;
            }
        }
        if !any {
            return Err(StateError::NotFound {
                what: "module",
                address: from.to_string(),
            });
        }
        Ok(n)
    }

    fn move_resource(
        &mut self,
        from: &str,
        f: &InstanceAddr,
        t: &InstanceAddr,
    ) -> Result<usize, StateError> {
        check_same_kind(f, t)?;
        let fm = format_module_path(&f.module);
        let tm = format_module_path(&t.module);
        if fm == tm && f.name == t.name {
            return Err(StateError::Invalid {
                message: format!("{from} is already at that address"),
            });
        }
        if self
            .find_resource(&tm, t.mode, &t.type_name, &t.name)
            .is_some()
        {
            return Err(StateError::AlreadyExists {
                address: t.to_string(),
            });
        }
        let r = self
            .resources
            .iter_mut()
            .find(|r| r.is(&fm, f.mode, &f.type_name, &f.name))
            .ok_or_else(|| StateError::NotFound {
                what: "resource",
                address: from.to_string(),
            })?;
        r.module = tm;
        r.name = t.name.clone();
        Ok(r.instances.len())
    }

    fn move_one_instance(
        &mut self,
        from: &str,
        f: &InstanceAddr,
        t: &InstanceAddr,
    ) -> Result<usize, StateError> {
        check_same_kind(f, t)?;
        let fm = format_module_path(&f.module);
        let tm = format_module_path(&t.module);
        if fm == tm && f.name == t.name && f.key == t.key {
            return Err(StateError::Invalid {
                message: format!("{from} is already at that address"),
            });
        }
        let src = self
            .resources
            .iter()
            .position(|r| {
                r.is(&fm, f.mode, &f.type_name, &f.name)
                    && r.instances.iter().any(|i| i.index_key == f.key)
            })
            .ok_or_else(|| StateError::NotFound {
                what: "instance",
                address: from.to_string(),
            })?;
        let dst = self
            .resources
            .iter()
            .position(|r| r.is(&tm, t.mode, &t.type_name, &t.name));
        if let Some(d) = dst {
            if self.resources[d]
                .instances
                .iter()
                .any(|i| i.index_key == t.key)
            {
                return Err(StateError::AlreadyExists {
                    address: t.to_string(),
                });
            }
        }
        let provider = self.resources[src].provider.clone();
        let (moving, staying): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.resources[src].instances)
                .into_iter()
                .partition(|i| i.index_key == f.key);
        self.resources[src].instances = staying;
        let n = moving.len();
        let moving = moving.into_iter().map(|mut i| {
            i.index_key = t.key.clone();
            i
        });
        match dst {
            Some(d) => self.resources[d].instances.extend(moving),
            None => self.resources.push(ResourceState {
                module: tm,
                mode: t.mode,
                type_name: t.type_name.clone(),
                name: t.name.clone(),
                provider,
                instances: moving.collect(),
            }),
        }
        if self.resources[src].instances.is_empty() {
            self.resources.remove(src);
        }
        Ok(n)
    }
}

fn check_same_kind(f: &InstanceAddr, t: &InstanceAddr) -> Result<(), StateError> {
    if f.mode != t.mode || f.type_name != t.type_name {
        return Err(StateError::Invalid {
            message: format!(
                "cannot move {f} to {t}: the resource type cannot change (a different type is a different object; remove it and import it instead)"
            ),
        });
    }
    Ok(())
}

/// A resource's module path, parsed.
fn resource_module(r: &ResourceState) -> Result<Vec<ModuleStep>, StateError> {
    if r.module.is_empty() {
        return Ok(Vec::new());
    }
    parse_module_path(&r.module).map_err(|e| StateError::Invalid {
        message: format!(
            "the state holds resource {}.{} with an invalid module path: {e}",
            r.type_name, r.name
        ),
    })
}
