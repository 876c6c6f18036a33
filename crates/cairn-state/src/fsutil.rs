//! File-system helpers (crate cairn-fsutil), their failures as
//! [`StateError::Io`].

pub(crate) use cairn_fsutil::{
    atomic_replace, create_private_dir, create_private_file, link_new, open_private_append,
    remove_durably, sync_dir, temp_path, write_temp,
};

use crate::error::StateError;

impl From<cairn_fsutil::FsError> for StateError {
    fn from(e: cairn_fsutil::FsError) -> StateError {
        StateError::io(e.action, e.path, e.source)
    }
}
