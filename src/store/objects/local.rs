//! The local-directory backend, the default when no S3 storage is configured. Its presigned
//! uploads are URLs to Gavel's own upload endpoint (`web::evidence_upload`), signed with a key
//! derived from the evidence key.

use super::{digest_reader, valid_key, ObjectBody, ObjectStore, ObjectStoreError, PresignedUpload};
use crate::domain::evidence::digest::ObjectDigest;
use crate::domain::evidence::signing::{hmac_hex, hmac_verify};
use async_trait::async_trait;
use chrono::Utc;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::AsyncReadExt;

pub struct LocalStore {
    dir: PathBuf,
    public_url: String,
    upload_key: Vec<u8>,
}

/// What a signed upload URL allows, as the upload endpoint reads it back from the query.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct UploadGrant {
    pub key: String,
    pub content_type: String,
    pub size: u64,
    /// Unix seconds.
    pub expires: i64,
    pub sig: String,
}

impl UploadGrant {
    fn message(key: &str, content_type: &str, size: u64, expires: i64) -> Vec<u8> {
        format!("gavel-upload-v1\n{key}\n{content_type}\n{size}\n{expires}").into_bytes()
    }
}

/// What a signed download link allows: the object `key`, once (the link `id` is redeemed in the
/// database), before `expires`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct DownloadGrant {
    pub id: uuid::Uuid,
    pub key: String,
    /// Unix seconds.
    pub expires: i64,
    pub sig: String,
}

impl DownloadGrant {
    fn message(id: &uuid::Uuid, key: &str, expires: i64) -> Vec<u8> {
        format!("gavel-download-v1\n{id}\n{key}\n{expires}").into_bytes()
    }
}

impl LocalStore {
    pub fn new(dir: impl Into<PathBuf>, public_url: &str, upload_key: Vec<u8>) -> Self {
        LocalStore {
            dir: dir.into(),
            public_url: public_url.trim_end_matches('/').to_string(),
            upload_key,
        }
    }

    fn path(&self, key: &str) -> Result<PathBuf, ObjectStoreError> {
        if !valid_key(key) {
            return Err(ObjectStoreError::Backend(format!(
                "`{key}` is not a valid key"
            )));
        }
        Ok(self.dir.join(key))
    }

    /// Checks a download link's signature and expiry; the endpoint then redeems it once.
    pub fn check_download(&self, grant: &DownloadGrant) -> Result<(), &'static str> {
        let message = DownloadGrant::message(&grant.id, &grant.key, grant.expires);
        if !hmac_verify(&self.upload_key, &message, &grant.sig) {
            return Err("the link's signature is not valid");
        }
        if Utc::now().timestamp() > grant.expires {
            return Err("the link has expired");
        }
        if !valid_key(&grant.key) {
            return Err("the link names an invalid object");
        }
        Ok(())
    }

    /// The object's file, to stream; `None` when there is none.
    pub async fn open(&self, key: &str) -> Result<Option<tokio::fs::File>, ObjectStoreError> {
        match tokio::fs::File::open(self.path(key)?).await {
            Ok(file) => Ok(Some(file)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ObjectStoreError::Backend(e.to_string())),
        }
    }

    /// Checks a grant's signature and expiry; the endpoint then checks type and size.
    pub fn check_grant(&self, grant: &UploadGrant) -> Result<(), &'static str> {
        let message =
            UploadGrant::message(&grant.key, &grant.content_type, grant.size, grant.expires);
        if !hmac_verify(&self.upload_key, &message, &grant.sig) {
            return Err("the upload link's signature is not valid");
        }
        if Utc::now().timestamp() > grant.expires {
            return Err("the upload link has expired");
        }
        if !valid_key(&grant.key) {
            return Err("the upload link names an invalid object");
        }
        Ok(())
    }
}

fn write_new(path: &Path, body: &ObjectBody) -> std::io::Result<bool> {
    let parent = path.parent().expect("object paths have a parent");
    std::fs::create_dir_all(parent)?;
    // Write a temporary file, then hard-link it into place: the link fails if the object
    // exists, so an object is never overwritten or seen half-written.
    let tmp = parent.join(format!(".upload-{}", uuid::Uuid::new_v4().simple()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)?;
    match body {
        ObjectBody::Bytes(bytes) => file.write_all(bytes)?,
        // `io::copy` moves the file through a fixed buffer (or the kernel), never whole.
        ObjectBody::File(source) => {
            std::io::copy(&mut std::fs::File::open(source)?, &mut file)?;
        }
    }
    file.sync_all()?;
    drop(file);
    let linked = match std::fs::hard_link(&tmp, path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    };
    let _ = std::fs::remove_file(&tmp);
    if linked? {
        let mut perms = std::fs::metadata(path)?.permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(path, perms)?;
        return Ok(true);
    }
    Ok(false)
}

#[async_trait]
impl ObjectStore for LocalStore {
    fn backend(&self) -> &'static str {
        "local"
    }

    async fn put_new(
        &self,
        key: &str,
        _content_type: &str,
        body: ObjectBody,
    ) -> Result<(), ObjectStoreError> {
        let path = self.path(key)?;
        let written = tokio::task::spawn_blocking(move || write_new(&path, &body))
            .await
            .map_err(|e| ObjectStoreError::Backend(e.to_string()))?
            .map_err(|e| ObjectStoreError::Backend(e.to_string()))?;
        if written {
            Ok(())
        } else {
            Err(ObjectStoreError::Exists(key.to_string()))
        }
    }

    async fn digest(&self, key: &str) -> Result<Option<ObjectDigest>, ObjectStoreError> {
        let file = match tokio::fs::File::open(self.path(key)?).await {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(ObjectStoreError::Backend(e.to_string())),
        };
        digest_reader(file)
            .await
            .map(Some)
            .map_err(|e| ObjectStoreError::Backend(e.to_string()))
    }

    /// Gavel's own endpoint wrote the object once, refusing any second upload.
    async fn finish_upload(&self, key: &str) -> Result<Option<ObjectDigest>, ObjectStoreError> {
        self.digest(key).await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, ObjectStoreError> {
        let dir = self.path(prefix.trim_end_matches('/'))?;
        let mut entries = match tokio::fs::read_dir(&dir).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(ObjectStoreError::Backend(e.to_string())),
        };
        let mut keys = Vec::new();
        while let Some(entry) = entries
            .next_entry()
            .await
            .map_err(|e| ObjectStoreError::Backend(e.to_string()))?
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            // Temporary files being linked into place start with a dot.
            if !name.starts_with('.') {
                keys.push(format!("{prefix}{name}"));
            }
        }
        Ok(keys)
    }

    async fn read_small(
        &self,
        key: &str,
        max_bytes: u64,
    ) -> Result<Option<Vec<u8>>, ObjectStoreError> {
        let backend = |e: std::io::Error| ObjectStoreError::Backend(e.to_string());
        let file = match tokio::fs::File::open(self.path(key)?).await {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(backend(e)),
        };
        let mut bytes = Vec::new();
        file.take(max_bytes + 1)
            .read_to_end(&mut bytes)
            .await
            .map_err(backend)?;
        if bytes.len() as u64 > max_bytes {
            return Err(ObjectStoreError::Backend(format!(
                "{key} is larger than {max_bytes} bytes"
            )));
        }
        Ok(Some(bytes))
    }

    async fn presign_get(
        &self,
        key: &str,
        link_id: uuid::Uuid,
        expires_in: Duration,
    ) -> Result<String, ObjectStoreError> {
        self.path(key)?;
        let expires = (Utc::now()
            + chrono::Duration::from_std(expires_in.min(super::MAX_DOWNLOAD_EXPIRY))
                .expect("15 minutes fits"))
        .timestamp();
        let sig = hmac_hex(
            &self.upload_key,
            &DownloadGrant::message(&link_id, key, expires),
        );
        let query = [
            ("id", link_id.to_string()),
            ("key", key.to_string()),
            ("expires", expires.to_string()),
            ("sig", sig),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", query_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
        Ok(format!("{}/evidence/download?{query}", self.public_url))
    }

    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        expires_in: Duration,
    ) -> Result<PresignedUpload, ObjectStoreError> {
        self.path(key)?;
        let expires_at = Utc::now()
            + chrono::Duration::from_std(expires_in.min(super::MAX_UPLOAD_EXPIRY))
                .expect("15 minutes fits");
        let expires = expires_at.timestamp();
        let sig = hmac_hex(
            &self.upload_key,
            &UploadGrant::message(key, content_type, size, expires),
        );
        let query = [
            ("key", key.to_string()),
            ("content_type", content_type.to_string()),
            ("size", size.to_string()),
            ("expires", expires.to_string()),
            ("sig", sig),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", query_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
        Ok(PresignedUpload {
            url: format!("{}/evidence/upload?{query}", self.public_url),
            method: "PUT",
            headers: vec![
                ("Content-Type".into(), content_type.to_string()),
                ("Content-Length".into(), size.to_string()),
            ],
            expires_at,
        })
    }
}

fn query_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn objects_are_written_once_listed_and_read_within_a_bound() {
        let dir = std::env::temp_dir().join(format!("gavel-local-{}", uuid::Uuid::new_v4()));
        let store = LocalStore::new(&dir, "http://127.0.0.1:1", vec![1; 32]);
        let key = "anchors/guilds/1/cases/2/0000000001.json";
        store
            .put_new(key, "application/json", ObjectBody::Bytes(b"{}".to_vec()))
            .await
            .unwrap();
        assert!(matches!(
            store
                .put_new(key, "application/json", ObjectBody::Bytes(b"[]".to_vec()))
                .await,
            Err(ObjectStoreError::Exists(_))
        ));
        assert_eq!(
            store.list("anchors/guilds/1/cases/2/").await.unwrap(),
            vec![key.to_string()]
        );
        assert!(store
            .list("anchors/guilds/1/cases/3/")
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            store.read_small(key, 2).await.unwrap(),
            Some(b"{}".to_vec())
        );
        assert!(store.read_small(key, 1).await.is_err());
        assert_eq!(store.read_small("a/missing", 9).await.unwrap(), None);
        assert_eq!(store.digest(key).await.unwrap().map(|d| d.size), Some(2));
        let _ = std::fs::remove_dir_all(dir);
    }
}
