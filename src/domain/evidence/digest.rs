//! The SHA-256 and size of an object, computed chunk by chunk as its bytes pass, so checking or
//! storing an object never needs it whole in memory.

use sha2::{Digest, Sha256};

/// What an object's record says about its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectDigest {
    /// Hex SHA-256.
    pub sha256: String,
    pub size: u64,
}

impl ObjectDigest {
    /// The digest of bytes already in memory (small documents such as message snapshots).
    pub fn of(bytes: &[u8]) -> Self {
        let mut digest = IncrementalDigest::default();
        digest.update(bytes);
        digest.finish()
    }
}

/// A SHA-256 and a byte count fed one chunk at a time.
#[derive(Default, Clone)]
pub struct IncrementalDigest {
    hasher: Sha256,
    size: u64,
}

impl IncrementalDigest {
    pub fn update(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
    }

    /// Bytes fed so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn finish(self) -> ObjectDigest {
        ObjectDigest {
            sha256: hex::encode(self.hasher.finalize()),
            size: self.size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::evidence::signing::sha256_hex;

    #[test]
    fn chunks_hash_like_the_whole() {
        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut digest = IncrementalDigest::default();
        for chunk in bytes.chunks(4093) {
            digest.update(chunk);
        }
        let digest = digest.finish();
        assert_eq!(digest.sha256, sha256_hex(&bytes));
        assert_eq!(digest.size, bytes.len() as u64);
        assert_eq!(ObjectDigest::of(&bytes), digest);
    }
}
