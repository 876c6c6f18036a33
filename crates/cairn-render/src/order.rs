//! The order Terraform lists instances in: by module path (shorter paths
//! first), data sources before managed resources, then type, name and key
//! (no key, then numbers numerically, then strings).

use std::cmp::Ordering;

use cairn_engine::{InstanceAddr, Key, Mode, ModuleInstance};

fn key_cmp(a: &Key, b: &Key) -> Ordering {
    fn rank(k: &Key) -> u8 {
        match k {
            Key::None => 0,
            Key::Int(_) => 1,
            Key::Str(_) => 2,
        }
    }
    match (a, b) {
        (Key::Int(x), Key::Int(y)) => x.cmp(y),
        (Key::Str(x), Key::Str(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

fn module_cmp(a: &ModuleInstance, b: &ModuleInstance) -> Ordering {
    a.0.len().cmp(&b.0.len()).then_with(|| {
        for ((na, ka), (nb, kb)) in a.0.iter().zip(b.0.iter()) {
            let o = na.cmp(nb).then_with(|| key_cmp(ka, kb));
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    })
}

pub(crate) fn addr_cmp(a: &InstanceAddr, b: &InstanceAddr) -> Ordering {
    let (ra, rb) = (&a.resource, &b.resource);
    let mode_rank = |m: Mode| if m == Mode::Data { 0 } else { 1 };
    module_cmp(&ra.module, &rb.module)
        .then_with(|| mode_rank(ra.mode).cmp(&mode_rank(rb.mode)))
        .then_with(|| ra.type_name.cmp(&rb.type_name))
        .then_with(|| ra.name.cmp(&rb.name))
        .then_with(|| key_cmp(&a.key, &b.key))
}
