//! Instance addresses: `module.a["k"].aws_instance.web[0]`.

use std::fmt;

use cairn_graph::expand::InstanceKey;
use serde::{Deserialize, Serialize};

/// A module instance: the path of module calls with their keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ModuleInstance(pub Vec<(String, Key)>);

/// A serializable instance key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Key {
    Int(i64),
    Str(String),
    #[serde(skip)]
    None,
}

impl From<&InstanceKey> for Key {
    fn from(k: &InstanceKey) -> Self {
        match k {
            InstanceKey::None => Key::None,
            InstanceKey::Int(i) => Key::Int(*i),
            InstanceKey::Str(s) => Key::Str(s.clone()),
        }
    }
}

impl Key {
    pub fn is_none(&self) -> bool {
        matches!(self, Key::None)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::None => Ok(()),
            Key::Int(i) => write!(f, "[{i}]"),
            Key::Str(s) => write!(f, "[{}]", cairn_value::display::quote(s)),
        }
    }
}

impl ModuleInstance {
    pub fn root() -> Self {
        ModuleInstance(Vec::new())
    }
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
    /// The module path without keys (for looking up configuration).
    pub fn config_path(&self) -> Vec<String> {
        self.0.iter().map(|(n, _)| n.clone()).collect()
    }
    pub fn child(&self, name: &str, key: Key) -> Self {
        let mut v = self.0.clone();
        v.push((name.to_string(), key));
        ModuleInstance(v)
    }
    pub fn parent(&self) -> Option<(ModuleInstance, &(String, Key))> {
        let (last, rest) = self.0.split_last()?;
        Some((ModuleInstance(rest.to_vec()), last))
    }
}

impl fmt::Display for ModuleInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (n, k)) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, ".")?;
            }
            write!(f, "module.{n}{k}")?;
        }
        Ok(())
    }
}

/// Managed resource or data source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Managed,
    Data,
}

/// A resource (all its instances) in a module instance.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResourceAddr {
    pub module: ModuleInstance,
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
}

impl ResourceAddr {
    pub fn instance(&self, key: Key) -> InstanceAddr {
        InstanceAddr {
            resource: self.clone(),
            key,
        }
    }
    /// `type.name` as configuration maps key it.
    pub fn config_key(&self) -> String {
        format!("{}.{}", self.type_name, self.name)
    }
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_root() {
            write!(f, "{}.", self.module)?;
        }
        if self.mode == Mode::Data {
            write!(f, "data.")?;
        }
        write!(f, "{}.{}", self.type_name, self.name)
    }
}

/// One resource instance.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InstanceAddr {
    pub resource: ResourceAddr,
    pub key: Key,
}

impl fmt::Display for InstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.resource, self.key)
    }
}

/// Parses `module.a["x"].aws_vpc.main[0]` and `data.t.n`.
pub fn parse_instance(s: &str) -> Result<InstanceAddr, String> {
    let mut rest = s.trim();
    let mut module = Vec::new();
    let take_ident = |r: &str| -> Option<(String, usize)> {
        let n: String = r
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        if n.is_empty() {
            None
        } else {
            let len = n.len();
            Some((n, len))
        }
    };
    let take_key = |r: &str| -> Result<(Key, usize), String> {
        if !r.starts_with('[') {
            return Ok((Key::None, 0));
        }
        let end = find_close(r).ok_or_else(|| format!("unclosed [ in address {s:?}"))?;
        let inner = &r[1..end];
        let key = if let Some(q) = inner.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
            Key::Str(q.replace("\\\"", "\"").replace("\\\\", "\\"))
        } else {
            Key::Int(inner.trim().parse().map_err(|_| {
                format!("invalid index [{inner}] in address {s:?}: use a number or a quoted string")
            })?)
        };
        Ok((key, end + 1))
    };
    while let Some(r) = rest.strip_prefix("module.") {
        let (name, n) =
            take_ident(r).ok_or_else(|| format!("missing module name in address {s:?}"))?;
        let r = &r[n..];
        let (key, kn) = take_key(r)?;
        module.push((name, key));
        rest = r[kn..]
            .strip_prefix('.')
            .ok_or_else(|| format!("address {s:?} names a module, not a resource"))?;
    }
    let (mode, r) = match rest.strip_prefix("data.") {
        Some(r) => (Mode::Data, r),
        None => (Mode::Managed, rest),
    };
    let (type_name, n) =
        take_ident(r).ok_or_else(|| format!("missing resource type in address {s:?}"))?;
    let r = r[n..]
        .strip_prefix('.')
        .ok_or_else(|| format!("missing resource name in address {s:?} (expected TYPE.NAME)"))?;
    let (name, n) =
        take_ident(r).ok_or_else(|| format!("missing resource name in address {s:?}"))?;
    let r = &r[n..];
    let (key, kn) = take_key(r)?;
    if !r[kn..].is_empty() {
        return Err(format!(
            "unexpected {:?} at the end of address {s:?}",
            &r[kn..]
        ));
    }
    Ok(InstanceAddr {
        resource: ResourceAddr {
            module: ModuleInstance(module),
            mode,
            type_name,
            name,
        },
        key,
    })
}

fn find_close(r: &str) -> Option<usize> {
    let mut in_str = false;
    let mut prev = '\0';
    for (i, c) in r.char_indices() {
        match c {
            '"' if prev != '\\' => in_str = !in_str,
            ']' if !in_str => return Some(i),
            _ => {}
        }
        prev = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip() {
        for s in [
            "aws_instance.web",
            "aws_instance.web[0]",
            "data.aws_ami.ubuntu",
            "module.net.aws_vpc.main",
            "module.svc[\"a b\"].module.naming[2].random_pet.p[\"x\"]",
        ] {
            assert_eq!(parse_instance(s).unwrap().to_string(), s);
        }
        assert!(parse_instance("aws_instance").is_err());
        assert!(parse_instance("module.x").is_err());
        assert!(parse_instance("a.b[x]").is_err());
        assert!(parse_instance("a.b[0]junk").is_err());
    }
}
