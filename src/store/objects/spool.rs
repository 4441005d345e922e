//! A temporary file an object passes through on its way to storage (an attachment downloaded
//! from Discord's CDN, a file uploaded to Gavel's own endpoint), so it is never held whole in
//! memory. Removed when dropped.

use super::CHUNK_BYTES;
use crate::domain::evidence::digest::{IncrementalDigest, ObjectDigest};
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

pub struct Spool {
    path: PathBuf,
    file: Option<tokio::fs::File>,
    digest: IncrementalDigest,
}

impl Spool {
    /// A new, empty file in the system's temporary directory (`TMPDIR`).
    pub async fn create() -> std::io::Result<Spool> {
        let path =
            std::env::temp_dir().join(format!("gavel-spool-{}", uuid::Uuid::new_v4().simple()));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await?;
        Ok(Spool {
            path,
            file: Some(file),
            digest: IncrementalDigest::default(),
        })
    }

    /// Appends a chunk, hashing it as it passes.
    pub async fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the spool is already finished"))?;
        for part in chunk.chunks(CHUNK_BYTES) {
            file.write_all(part).await?;
            self.digest.update(part);
        }
        Ok(())
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.digest.size()
    }

    /// Flushes the file and returns the digest of everything written.
    pub async fn finish(&mut self) -> std::io::Result<ObjectDigest> {
        if let Some(mut file) = self.file.take() {
            file.flush().await?;
            file.sync_all().await?;
        }
        Ok(self.digest.clone().finish())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn spools_hash_what_they_hold_and_vanish_when_dropped() {
        let mut spool = Spool::create().await.unwrap();
        let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
        for chunk in bytes.chunks(10_000) {
            spool.write(chunk).await.unwrap();
        }
        let digest = spool.finish().await.unwrap();
        assert_eq!(digest, ObjectDigest::of(&bytes));
        assert_eq!(std::fs::read(spool.path()).unwrap(), bytes);
        let path = spool.path().to_path_buf();
        drop(spool);
        assert!(!path.exists());
    }
}
