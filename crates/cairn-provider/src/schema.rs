//! Schemas: what a resource type, data source or provider configuration
//! accepts and exports. The engine, validation, docs and lints all read
//! them.

use std::collections::BTreeMap;

use cairn_value::{ObjectType, Type};
use serde::Serialize;

/// One attribute of a block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attribute {
    pub ty: TypeName,
    pub required: bool,
    pub optional: bool,
    /// Set by the provider when the configuration leaves it null.
    pub computed: bool,
    pub sensitive: bool,
    /// A change to this attribute replaces the resource.
    pub force_new: bool,
    pub description: String,
}

/// A type with a serializable form (for `cairn docs`/JSON schemas).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeName(pub Type);

impl Serialize for TypeName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl Attribute {
    fn base(ty: Type, description: &str) -> Self {
        Attribute {
            ty: TypeName(ty),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            force_new: false,
            description: description.to_string(),
        }
    }
    /// Must be set in the configuration.
    pub fn required(ty: Type, description: &str) -> Self {
        Attribute {
            required: true,
            ..Attribute::base(ty, description)
        }
    }
    /// May be set in the configuration.
    pub fn optional(ty: Type, description: &str) -> Self {
        Attribute {
            optional: true,
            ..Attribute::base(ty, description)
        }
    }
    /// Set by the provider only.
    pub fn computed(ty: Type, description: &str) -> Self {
        Attribute {
            computed: true,
            ..Attribute::base(ty, description)
        }
    }
    /// May be set; the provider fills it in when not.
    pub fn optional_computed(ty: Type, description: &str) -> Self {
        Attribute {
            optional: true,
            computed: true,
            ..Attribute::base(ty, description)
        }
    }
    pub fn force_new(mut self) -> Self {
        self.force_new = true;
        self
    }
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    pub fn ty(&self) -> &Type {
        &self.ty.0
    }
}

/// How a nested block repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Nesting {
    /// At most one; an object or null.
    Single,
    List,
    Set,
    /// Labelled blocks: a map of objects keyed by the label.
    Map,
}

/// A nested block type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NestedBlock {
    pub nesting: Nesting,
    pub block: Schema,
    pub min_items: u64,
    pub max_items: Option<u64>,
    /// Changing the block's contents replaces the resource.
    pub force_new: bool,
}

/// The schema of a block (a resource body, a provider configuration).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Schema {
    pub attributes: BTreeMap<String, Attribute>,
    pub blocks: BTreeMap<String, NestedBlock>,
    pub description: String,
}

impl Schema {
    pub fn new(description: &str) -> Self {
        Schema {
            description: description.to_string(),
            ..Schema::default()
        }
    }
    pub fn attr(mut self, name: &str, a: Attribute) -> Self {
        self.attributes.insert(name.to_string(), a);
        self
    }
    pub fn block(mut self, name: &str, b: NestedBlock) -> Self {
        self.blocks.insert(name.to_string(), b);
        self
    }

    /// The object type of a value conforming to this schema.
    pub fn implied_type(&self) -> Type {
        let mut attrs = BTreeMap::new();
        for (k, a) in &self.attributes {
            attrs.insert(k.clone(), a.ty().clone());
        }
        for (k, b) in &self.blocks {
            let inner = b.block.implied_type();
            let t = match b.nesting {
                Nesting::Single => inner,
                Nesting::List => Type::list(inner),
                Nesting::Set => Type::set(inner),
                Nesting::Map => Type::map(inner),
            };
            attrs.insert(k.clone(), t);
        }
        Type::Object(ObjectType {
            attrs,
            optional: Default::default(),
        })
    }

    /// Paths (attribute names, `*` for elements) of sensitive attributes.
    pub fn sensitive_paths(&self) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for (k, a) in &self.attributes {
            if a.sensitive {
                out.push(vec![k.clone()]);
            }
        }
        for (k, b) in &self.blocks {
            for mut p in b.block.sensitive_paths() {
                let mut full = vec![k.clone()];
                if b.nesting != Nesting::Single {
                    full.push("*".into());
                }
                full.append(&mut p);
                out.push(full);
            }
        }
        out
    }
}

/// A resource type or data source: its schema and version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResourceSchema {
    pub version: u64,
    pub block: Schema,
}

/// Everything a provider declares.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProviderSchema {
    pub provider: Schema,
    pub resources: BTreeMap<String, ResourceSchema>,
    pub data_sources: BTreeMap<String, ResourceSchema>,
}
