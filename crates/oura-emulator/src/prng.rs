//! A small deterministic pseudo-random generator and keyed hashing.
//!
//! Everything the emulator generates is a pure function of the seed and a key (user, collection,
//! day, ordinal), so any document can be generated on its own, in any order, and always comes
//! out the same. `rand`'s generators do not promise the same stream across versions; SplitMix64
//! is ten lines and never changes.

/// SplitMix64 finalizer: a bijective mix of 64 bits.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hashes a sequence of keys into one 64-bit value.
pub(crate) fn hash(parts: &[u64]) -> u64 {
    parts.iter().fold(0x9e37_79b9_7f4a_7c15, |acc, &part| {
        mix(acc ^ mix(part.wrapping_add(0x632b_e59b_d9b4_e019)))
    })
}

/// Hashes a string into 64 bits (FNV-1a, then mixed).
pub(crate) fn hash_str(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(h)
}

/// The first keys of many [`Rng`] streams, hashed once: `prefix.rng(last)` is
/// `Rng::new(&[first keys.., last])` for a fraction of the work (a sample's stream per instant).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Prefix {
    state: u64,
}

impl Prefix {
    /// The keys every stream of the family starts with.
    pub(crate) fn new(parts: &[u64]) -> Self {
        Self { state: hash(parts) }
    }

    /// The stream keyed by the prefix's keys followed by `last`.
    pub(crate) fn rng(self, last: u64) -> Rng {
        Rng {
            state: mix(self.state ^ mix(last.wrapping_add(0x632b_e59b_d9b4_e019))),
        }
    }
}

/// A seeded SplitMix64 stream.
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    /// A stream keyed by `parts`.
    pub(crate) fn new(parts: &[u64]) -> Self {
        Self { state: hash(parts) }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.state)
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[low, high)`.
    pub(crate) fn range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    /// Uniform integer in `[low, high]`.
    pub(crate) fn int(&mut self, low: i64, high: i64) -> i64 {
        if high <= low {
            return low;
        }
        let span = (high - low + 1) as u64;
        low + (self.next_u64() % span) as i64
    }

    /// `true` with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Roughly normal, mean 0, standard deviation 1 (sum of four uniforms).
    pub(crate) fn normal(&mut self) -> f64 {
        let sum: f64 = (0..4).map(|_| self.unit()).sum();
        (sum - 2.0) * (3.0f64).sqrt()
    }

    /// One element of a non-empty slice (panics on an empty one).
    pub(crate) fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        let index = (self.next_u64() % items.len().max(1) as u64) as usize;
        items[index.min(items.len().saturating_sub(1))].clone()
    }
}

/// Smooth value noise in `[-1, 1]` over an integer axis (days): random values at knots every
/// `period` steps, cosine-interpolated between them. Random access, so day N needs no day N-1.
pub(crate) fn smooth(key: u64, x: i64, period: i64) -> f64 {
    let period = period.max(1);
    let knot = x.div_euclid(period);
    let frac = x.rem_euclid(period) as f64 / period as f64;
    let at = |k: i64| Rng::new(&[key, k as u64]).range(-1.0, 1.0);
    let (a, b) = (at(knot), at(knot + 1));
    let t = (1.0 - (frac * std::f64::consts::PI).cos()) / 2.0;
    a + (b - a) * t
}

/// A UUID (version 4 layout) derived from a key.
pub(crate) fn uuid(parts: &[u64]) -> String {
    let mut rng = Rng::new(parts);
    let hi = rng.next_u64();
    let lo = rng.next_u64();
    let hi = (hi & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_stable_and_keyed() {
        let a: Vec<u64> = (0..3).map(|_| Rng::new(&[1, 2]).next_u64()).collect();
        assert_eq!(a[0], a[1]);
        assert_ne!(Rng::new(&[1, 2]).next_u64(), Rng::new(&[2, 1]).next_u64());
    }

    #[test]
    fn a_prefix_gives_the_stream_of_all_its_keys() {
        for (first, second) in [(0, 0), (1, 200), (u64::MAX, 7)] {
            let prefix = Prefix::new(&[first, second]);
            for last in [0, 1, 1_719_792_000, u64::MAX] {
                let mut expected = Rng::new(&[first, second, last]);
                let mut got = prefix.rng(last);
                for _ in 0..4 {
                    assert_eq!(got.next_u64(), expected.next_u64());
                }
            }
        }
    }

    #[test]
    fn uuid_has_version_4_layout() {
        let id = uuid(&[7, 8]);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(id, uuid(&[7, 8]));
    }

    #[test]
    fn smooth_noise_is_bounded_and_continuous() {
        let values: Vec<f64> = (0..100).map(|x| smooth(3, x, 10)).collect();
        assert!(values.iter().all(|v| (-1.0..=1.0).contains(v)));
        let max_step = values.windows(2).map(|w| (w[1] - w[0]).abs()).fold(0.0, f64::max);
        assert!(max_step < 0.35, "step {max_step}");
    }

    #[test]
    fn ranges_hold() {
        let mut rng = Rng::new(&[42]);
        for _ in 0..1000 {
            let v = rng.int(3, 5);
            assert!((3..=5).contains(&v));
            let u = rng.unit();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
