//! cairn's secrets (work in progress).
