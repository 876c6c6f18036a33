//! Encodings the instance and key pair types need: Base64, SHA-1 (the
//! Terraform provider stores `user_data` as the SHA-1 of its content), and
//! OpenSSH public key comparison.

use base64::Engine as _;
use sha1::{Digest, Sha1};

/// Standard Base64 with padding.
pub(super) fn b64_encode(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Decodes standard, padded Base64 strictly, skipping CR and LF as Go's
/// `StdEncoding` (which the Terraform provider uses) does; `None` when `s`
/// is not valid Base64.
pub(super) fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let clean: Vec<u8> = s.bytes().filter(|c| *c != b'\r' && *c != b'\n').collect();
    base64::engine::general_purpose::STANDARD.decode(clean).ok()
}

/// SHA-1 digest as lowercase hex.
pub(super) fn sha1_hex(data: &[u8]) -> String {
    Sha1::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What the Terraform provider stores for `user_data`: the SHA-1 of the
/// content (of the decoded bytes when the value is itself Base64).
pub(super) fn user_data_hash(s: &str) -> String {
    match b64_decode(s) {
        Some(bytes) => sha1_hex(&bytes),
        None => sha1_hex(s.as_bytes()),
    }
}

/// The Base64 to send as user data: the value as it is when it is
/// already Base64 (as the Terraform provider does), else its encoding.
pub(super) fn user_data_to_send(s: &str) -> String {
    if b64_decode(s).is_some() {
        s.to_string()
    } else {
        b64_encode(s.as_bytes())
    }
}

/// SHA-1 of the empty string: what the API's "no user data" hashes to.
pub(super) const EMPTY_SHA1: &str = "da39a3ee5e6b4b0d3255bfef95601890afd80709";

fn ssh_key_parts(s: &str) -> Option<(&str, &str)> {
    let mut it = s.split_whitespace();
    let ty = it.next()?;
    let blob = it.next()?;
    b64_decode(blob)?;
    Some((ty, blob))
}

/// Whether two OpenSSH public keys are the same key (comments ignored).
pub(super) fn same_ssh_key(a: &str, b: &str) -> bool {
    match (ssh_key_parts(a), ssh_key_parts(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a.trim() == b.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar", "hello\n"] {
            let e = b64_encode(s.as_bytes());
            assert_eq!(b64_decode(&e).as_deref(), Some(s.as_bytes()), "{s}");
        }
        assert_eq!(b64_encode(b"hello"), "aGVsbG8=");
        assert_eq!(b64_decode("hello"), None);
        assert_eq!(b64_decode("aGVsbG8"), None);
        assert_eq!(b64_decode("aGVsbG9="), None, "non-zero padding bits");
        assert_eq!(b64_decode("aG=sbG8="), None);
    }

    #[test]
    fn sha1_matches_known_digests() {
        assert_eq!(sha1_hex(b""), EMPTY_SHA1);
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            sha1_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        assert_eq!(
            sha1_hex(b"hello"),
            "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
        );
    }

    #[test]
    fn user_data_hash_decodes_base64_first() {
        assert_eq!(user_data_hash("hello"), sha1_hex(b"hello"));
        assert_eq!(user_data_hash("aGVsbG8="), sha1_hex(b"hello"));
        assert_eq!(user_data_to_send("hello"), "aGVsbG8=");
        assert_eq!(user_data_to_send("aGVsbG8="), "aGVsbG8=");
    }

    #[test]
    fn ssh_keys_compare_without_comments() {
        let a = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJzdivclUT5UY4NmsYTXQS+BNOr12Pav0b2PChiUsYuo me@host";
        let b =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJzdivclUT5UY4NmsYTXQS+BNOr12Pav0b2PChiUsYuo\n";
        assert!(same_ssh_key(a, b));
        assert!(!same_ssh_key(a, "ssh-rsa AAAAB3NzaC1yc2E= x"));
    }
}
