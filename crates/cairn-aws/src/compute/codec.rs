//! Encodings the instance and key pair types need: Base64, SHA-1 (the
//! Terraform provider stores `user_data` as the SHA-1 of its content), and
//! OpenSSH public key comparison. Small enough to keep here rather than
//! add dependencies.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard Base64 with padding.
pub(super) fn b64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard, padded Base64 strictly (as Go's `StdEncoding` does,
/// which skips CR and LF); `None` when `s` is not valid Base64.
pub(super) fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let clean: Vec<u8> = s.bytes().filter(|c| *c != b'\r' && *c != b'\n').collect();
    if !clean.len().is_multiple_of(4) {
        return None;
    }
    let val = |c: u8| -> Option<u32> { B64.iter().position(|x| *x == c).map(|p| p as u32) };
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    let chunks = clean.chunks(4).count();
    for (ci, chunk) in clean.chunks(4).enumerate() {
        let pad = chunk.iter().rev().take_while(|c| **c == b'=').count();
        if pad > 2 || (pad > 0 && ci + 1 != chunks) {
            return None;
        }
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            let v = if i >= 4 - pad { 0 } else { val(*c)? };
            n |= v << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        // Go rejects non-zero bits in the padding remainder.
        if (pad == 1 && bytes[2] != 0) || (pad == 2 && (bytes[1] != 0 || bytes[2] != 0)) {
            return None;
        }
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

/// SHA-1 digest as lowercase hex.
pub(super) fn sha1_hex(data: &[u8]) -> String {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut msg = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_be_bytes());
    for block in msg.chunks(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
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

/// Plans carry only the hash of `user_data` (as state does), but create
/// and update need the content. The engine plans again right before each
/// apply in the same process, so planning records the content here, by
/// hash, for the apply to pick up.
fn user_data_store() -> &'static Mutex<HashMap<String, String>> {
    static STORE: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    STORE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Records `content` and returns its hash.
pub(super) fn remember_user_data(content: &str) -> String {
    let hash = user_data_hash(content);
    if let Ok(mut m) = user_data_store().lock() {
        // User data is at most 16 KiB; bound the store anyway.
        if m.len() > 4096 {
            m.clear();
        }
        m.insert(hash.clone(), content.to_string());
    }
    hash
}

/// The content recorded for `hash` while planning.
pub(super) fn recall_user_data(hash: &str) -> Option<String> {
    user_data_store().lock().ok()?.get(hash).cloned()
}

/// The key type and Base64 key blob of an OpenSSH public key line,
/// without its comment; `None` when it does not look like one.
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
        let h = remember_user_data("#!/bin/sh\necho hi\n");
        assert_eq!(
            recall_user_data(&h).as_deref(),
            Some("#!/bin/sh\necho hi\n")
        );
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
