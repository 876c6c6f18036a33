//! `CAIRN_STATE_KEY` wins over the key file. Alone in its test binary
//! because it changes the process environment.

use base64::Engine as _;
use cairn_state::{Cipher, KeySource, StateError, KEY_ENV};

#[test]
fn env_key_wins_over_key_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(".cairn");
    let from_file = Cipher::from_env_or_file(&dir).unwrap();
    assert!(matches!(from_file.source(), KeySource::File(_)));

    let key = [42u8; 32];
    std::env::set_var(
        KEY_ENV,
        base64::engine::general_purpose::STANDARD.encode(key),
    );
    let from_env = Cipher::from_env_or_file(&dir).unwrap();
    assert_eq!(from_env.source(), &KeySource::Env);
    assert_eq!(from_env.key_id(), Cipher::new(&key).key_id());
    assert_ne!(from_env.key_id(), from_file.key_id());
    // The message for a wrong key says where the key in use came from.
    let token = from_file.encrypt(b"secret").unwrap();
    let err = from_env.decrypt(&token).unwrap_err().to_string();
    assert!(
        err.contains("CAIRN_STATE_KEY environment variable"),
        "{err}"
    );

    std::env::set_var(KEY_ENV, "not base64 of 32 bytes");
    let err = Cipher::from_env_or_file(&dir).unwrap_err();
    assert!(matches!(err, StateError::Key { .. }));
    assert!(err.to_string().contains("CAIRN_STATE_KEY must be"), "{err}");
    std::env::remove_var(KEY_ENV);
}
