//! Randomness for the random provider: the thread's CSPRNG by default, and a
//! deterministic generator when a resource gives a `seed`.
//!
//! Sampling (`below`, `shuffle`) is written here rather than taken from
//! `rand` so a seeded result stays the same across `rand` upgrades.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A deterministic generator: SHA-256 of the seed, then SHA-256 in counter
/// mode over it. Stable across versions and platforms.
pub(crate) struct SeededRng {
    key: [u8; 32],
    counter: u64,
    block: [u8; 32],
    pos: usize,
}

impl SeededRng {
    pub(crate) fn new(seed: &str) -> Self {
        let key: [u8; 32] = Sha256::digest(seed.as_bytes()).into();
        SeededRng {
            key,
            counter: 0,
            block: [0; 32],
            // Start exhausted so the first read makes a block.
            pos: 32,
        }
    }

    fn refill(&mut self) {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update(self.counter.to_le_bytes());
        self.block = h.finalize().into();
        self.counter = self.counter.wrapping_add(1);
        self.pos = 0;
    }
}

impl RngCore for SeededRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for byte in dst {
            if self.pos == self.block.len() {
                self.refill();
            }
            *byte = self.block[self.pos];
            self.pos += 1;
        }
    }
}

/// The generator for a resource: seeded when a seed is given, otherwise
/// the thread-local CSPRNG (ChaCha, reseeded from the OS).
pub(crate) fn for_seed(seed: Option<&str>) -> Box<dyn RngCore> {
    match seed {
        Some(s) => Box::new(SeededRng::new(s)),
        None => Box::new(rand::rng()),
    }
}

/// A uniform integer in `0..n` (`n` up to 2^64); 0 when `n` is 0.
pub(crate) fn below(rng: &mut dyn RngCore, n: u128) -> u128 {
    if n <= 1 {
        return 0;
    }
    if n > u128::from(u64::MAX) {
        // The whole u64 range: every value is equally likely as it is.
        return u128::from(rng.next_u64());
    }
    let n64 = n as u64;
    // Reject the top partial bucket so every residue is equally likely.
    let zone = u64::MAX - (u64::MAX - n64 + 1) % n64;
    loop {
        let x = rng.next_u64();
        if x <= zone {
            return u128::from(x % n64);
        }
    }
}

/// An index in `0..n`.
pub(crate) fn index(rng: &mut dyn RngCore, n: usize) -> usize {
    // usize fits u128, and the result is below n, so it fits back.
    usize::try_from(below(rng, n as u128)).unwrap_or(0)
}

/// Fisher–Yates shuffle in place.
pub(crate) fn shuffle<T>(rng: &mut dyn RngCore, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = index(rng, i + 1);
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_generator_is_deterministic_and_seed_dependent() {
        let mut a = SeededRng::new("x");
        let mut b = SeededRng::new("x");
        let mut c = SeededRng::new("y");
        let va: Vec<u64> = (0..10).map(|_| a.next_u64()).collect();
        let vb: Vec<u64> = (0..10).map(|_| b.next_u64()).collect();
        let vc: Vec<u64> = (0..10).map(|_| c.next_u64()).collect();
        assert_eq!(va, vb);
        assert_ne!(va, vc);
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = SeededRng::new("range");
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let x = below(&mut r, 7);
            assert!(x < 7);
            seen[x as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
        assert_eq!(below(&mut r, 0), 0);
        assert_eq!(below(&mut r, 1), 0);
        let big = below(&mut r, 1u128 << 64);
        assert!(big < (1u128 << 64));
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut r = SeededRng::new("perm");
        let mut v: Vec<u32> = (0..50).collect();
        shuffle(&mut r, &mut v);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(v, sorted);
    }
}
