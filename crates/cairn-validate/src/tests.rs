//! Unit tests live in tests/bad_configs.rs (data-driven); this module checks
//! the pieces that need no files.

use super::module_dir;
use std::path::Path;

#[test]
fn path_module_is_relative_to_the_root() {
    assert_eq!(module_dir(Path::new("/a"), Path::new("/a")), ".");
    assert_eq!(
        module_dir(Path::new("/a"), Path::new("/a/modules/net")),
        "modules/net"
    );
}
