//! Seeded randomness. Every random thing in a world comes from a ChaCha8 stream keyed by
//! the world seed and *what* is being generated (an account, a transaction), never by the
//! order requests arrive in. ChaCha8 is portable and value-stable, so the same seed gives
//! the same world on every machine.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub type Stream = ChaCha8Rng;

/// Salts that keep the streams of different kinds of things apart.
pub mod salt {
    pub const WORLD: u64 = 0x6d6f_6e6f_7369_6d00;
    pub const HOLDER: u64 = 0x686f_6c64_6572_0001;
    pub const TRANSACTION: u64 = 0x7478_6e00_0000_0002;
    pub const ACCOUNT: u64 = 0x6163_636f_756e_7403;
    pub const JOB: u64 = 0x6a6f_6200_0000_0004;
    pub const TOKEN: u64 = 0x746f_6b65_6e00_0005;
    pub const EVENT: u64 = 0x6576_656e_7400_0006;
    pub const IDS: u64 = 0x6964_7300_0000_0007;
}

/// The stream for item `index` of kind `salt` under `key`.
pub fn stream(key: u64, salt: u64, index: u64) -> Stream {
    ChaCha8Rng::seed_from_u64(mix(mix(key ^ salt).wrapping_add(index)))
}

/// SplitMix64's finaliser: spreads nearby inputs (index 1, 2, 3 …) over the whole range.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
