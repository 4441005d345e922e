//! Evidence objects (files, message snapshots): where they live and where they come from.
//! Objects are written once under keys nobody can guess and are never overwritten; uploads from
//! moderators go straight to storage through presigned URLs.
//!
//! Objects pass through in chunks ([`CHUNK_BYTES`]): hashed as they are read, spooled to a
//! temporary file on their way in.
//!
//! - this file: the [`ObjectStore`] trait, object keys, hashing a reader
//! - `local.rs` and `s3.rs` its backends; `spool.rs` the temporary files
//! - `cdn.rs` downloads attachments from Discord's CDN

pub mod cdn;
pub mod local;
pub mod s3;
pub mod spool;

use crate::domain::evidence::digest::{IncrementalDigest, ObjectDigest};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};

/// Longest a presigned upload URL stays valid.
pub const MAX_UPLOAD_EXPIRY: Duration = Duration::from_secs(15 * 60);

/// Longest a link to open an evidence object stays valid.
pub const MAX_DOWNLOAD_EXPIRY: Duration = Duration::from_secs(15 * 60);

/// How much of an object one read holds: objects are hashed and copied this many bytes at a
/// time, never whole.
pub const CHUNK_BYTES: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ObjectStoreError {
    #[error("an object already exists at {0}")]
    Exists(String),
    #[error("the evidence storage failed: {0}")]
    Backend(String),
}

/// The bytes of a new object: small documents in memory, anything else from a file.
#[derive(Debug)]
pub enum ObjectBody {
    Bytes(Vec<u8>),
    /// A file read in chunks as it is stored (a [`spool::Spool`]).
    File(PathBuf),
}

/// A URL a client can PUT one object to, with the headers it must send.
#[derive(Debug, Clone)]
pub struct PresignedUpload {
    pub url: String,
    pub method: &'static str,
    /// Headers the signature covers (Content-Type, Content-Length); send them as given.
    pub headers: Vec<(String, String)>,
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// `local` or `s3`, for reports.
    fn backend(&self) -> &'static str;

    /// Stores a new object; refuses if one already exists at `key`.
    async fn put_new(
        &self,
        key: &str,
        content_type: &str,
        body: ObjectBody,
    ) -> Result<(), ObjectStoreError>;

    /// The object's SHA-256 and size, read in chunks; `None` when there is none.
    async fn digest(&self, key: &str) -> Result<Option<ObjectDigest>, ObjectStoreError>;

    /// A URL to PUT exactly `size` bytes of `content_type` for the object `key` until
    /// `expires_in` passes; the storage refuses any other size or type. What is PUT becomes
    /// `key` only through [`ObjectStore::finish_upload`].
    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        expires_in: Duration,
    ) -> Result<PresignedUpload, ObjectStoreError>;

    /// Makes what was uploaded for `key` the object `key`, which nothing can replace
    /// afterwards, and returns its digest; `None` when nothing was uploaded.
    async fn finish_upload(&self, key: &str) -> Result<Option<ObjectDigest>, ObjectStoreError>;

    /// A URL that GETs the object `key` until `expires_in` passes (at most
    /// [`MAX_DOWNLOAD_EXPIRY`]). `link_id` names the link: the local backend's endpoint lets
    /// each link be used once; S3 presigned GETs ignore it.
    async fn presign_get(
        &self,
        key: &str,
        link_id: uuid::Uuid,
        expires_in: Duration,
    ) -> Result<String, ObjectStoreError>;

    /// The keys directly under `prefix` (which ends in `/`), in no particular order.
    async fn list(&self, prefix: &str) -> Result<Vec<String>, ObjectStoreError>;

    /// A small object's bytes (an anchor); refused past `max_bytes`, so a planted large object
    /// is never read into memory. `None` when there is none.
    async fn read_small(
        &self,
        key: &str,
        max_bytes: u64,
    ) -> Result<Option<Vec<u8>>, ObjectStoreError>;
}

/// Where the anchors of a case's chain live: `anchors/guilds/<guild>/cases/<case number>/`.
pub fn anchor_prefix(guild_id: u64, case_number: i32) -> String {
    format!("anchors/guilds/{guild_id}/cases/{case_number}/")
}

/// The anchor of entry `seq`, zero-padded so keys sort by sequence.
pub fn anchor_key(guild_id: u64, case_number: i32, seq: i32) -> String {
    format!("{}{seq:010}.json", anchor_prefix(guild_id, case_number))
}

/// The digest of everything `reader` yields, read [`CHUNK_BYTES`] at a time.
pub async fn digest_reader(mut reader: impl AsyncRead + Unpin) -> std::io::Result<ObjectDigest> {
    let mut digest = IncrementalDigest::default();
    let mut chunk = vec![0; CHUNK_BYTES];
    loop {
        let read = reader.read(&mut chunk).await?;
        if read == 0 {
            return Ok(digest.finish());
        }
        digest.update(&chunk[..read]);
    }
}

/// A new object key: `guilds/<guild>/cases/<case number>/<128 random bits>/<name>`. The random
/// part (a v4 UUID from the OS's CSPRNG) makes keys unguessable and unique.
pub fn object_key(guild_id: u64, case_number: i32, name: &str) -> String {
    format!(
        "guilds/{guild_id}/cases/{case_number}/{}/{}",
        uuid::Uuid::new_v4().simple(),
        safe_name(name)
    )
}

/// A file name reduced to `[A-Za-z0-9._-]`, at most 100 characters, never empty or dot-only.
pub fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if cleaned.trim_matches('.').is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

/// Whether `key` is one Gavel could have made (no traversal, no odd characters).
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 400
        && key.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_namespaced_random_and_safe() {
        let a = object_key(1, 7, "../../etc/passwd");
        let b = object_key(1, 7, "../../etc/passwd");
        assert_ne!(a, b);
        assert!(a.starts_with("guilds/1/cases/7/"), "{a}");
        assert!(a.ends_with("/.._.._etc_passwd"), "{a}");
        assert!(valid_key(&a));
        assert!(!valid_key("guilds/../x"));
        assert!(!valid_key("/abs"));
        assert_eq!(safe_name(".."), "file");
        assert_eq!(safe_name("photo é.png"), "photo__.png");
    }

    /// Yields `total` generated bytes and records the largest read it was asked for: what the
    /// reader's caller holds at once.
    struct Generated {
        total: u64,
        sent: u64,
        largest_read: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl AsyncRead for Generated {
        fn poll_read(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            self.largest_read
                .fetch_max(buf.remaining(), std::sync::atomic::Ordering::Relaxed);
            // Short reads, as sockets give.
            let n = (buf.remaining() as u64)
                .min(self.total - self.sent)
                .min(10_007) as usize;
            let start = self.sent;
            let bytes: Vec<u8> = (start..start + n as u64).map(|i| (i % 251) as u8).collect();
            buf.put_slice(&bytes);
            self.sent += n as u64;
            std::task::Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn objects_are_hashed_a_chunk_at_a_time() {
        let total = 12 * 1024 * 1024 + 5;
        let largest_read = std::sync::Arc::default();
        let digest = digest_reader(Generated {
            total,
            sent: 0,
            largest_read: std::sync::Arc::clone(&largest_read),
        })
        .await
        .unwrap();
        let mut expected = IncrementalDigest::default();
        let whole: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
        expected.update(&whole);
        assert_eq!(digest, expected.finish());
        assert_eq!(digest.size, total);
        assert!(
            largest_read.load(std::sync::atomic::Ordering::Relaxed) <= CHUNK_BYTES,
            "the object was read in pieces of at most {CHUNK_BYTES} bytes"
        );
    }
}
