//! Evidence objects (files, message snapshots): where they live and where they come from.
//! Objects are written once under keys nobody can guess and are never overwritten; uploads from
//! moderators go straight to storage through presigned URLs.
//!
//! - this file: the [`ObjectStore`] trait and object keys; `local.rs` and `s3.rs` its backends
//! - `cdn.rs` downloads attachments from Discord's CDN

pub mod cdn;
pub mod local;
pub mod s3;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Longest a presigned upload URL stays valid.
pub const MAX_UPLOAD_EXPIRY: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, thiserror::Error)]
pub enum ObjectStoreError {
    #[error("an object already exists at {0}")]
    Exists(String),
    #[error("the evidence storage failed: {0}")]
    Backend(String),
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
        bytes: Vec<u8>,
    ) -> Result<(), ObjectStoreError>;

    /// The object's bytes; `None` when there is none.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ObjectStoreError>;

    /// A URL to PUT exactly `size` bytes of `content_type` to `key` until `expires_in` passes;
    /// the storage refuses any other size or type.
    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        expires_in: Duration,
    ) -> Result<PresignedUpload, ObjectStoreError>;
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
}
