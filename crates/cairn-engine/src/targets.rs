//! `-target`: the targeted resources and everything they depend on.

use std::collections::HashSet;

use cairn_graph::{ConfigGraph, Kind, NodeId};

use crate::addr::{InstanceAddr, Mode};

/// The configuration nodes a targeted plan covers, or `None` without
/// targets.
pub fn target_closure(g: &ConfigGraph, targets: &[InstanceAddr]) -> Option<HashSet<NodeId>> {
    if targets.is_empty() {
        return None;
    }
    let mut out = HashSet::new();
    let mut stack = Vec::new();
    for t in targets {
        let id = NodeId {
            module: t.resource.module.config_path(),
            kind: if t.resource.mode == Mode::Data {
                Kind::Data
            } else {
                Kind::Resource
            },
            name: t.resource.config_key(),
        };
        if let Some(ix) = g.node(&id) {
            stack.push(ix);
        }
    }
    while let Some(ix) = stack.pop() {
        if !out.insert(g.graph[ix].clone()) {
            continue;
        }
        stack.extend(
            g.graph
                .neighbors_directed(ix, petgraph::Direction::Incoming),
        );
    }
    Some(out)
}
