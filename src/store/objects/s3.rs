//! The S3-compatible backend (Backblaze B2 in production) over aws-sdk-s3: custom endpoint,
//! path-style addressing, static credentials from the environment, rustls with ring.

use super::{ObjectBody, ObjectStore, ObjectStoreError, PresignedUpload, MAX_UPLOAD_EXPIRY};
use crate::config::S3Config;
use crate::domain::evidence::digest::{IncrementalDigest, ObjectDigest};
use async_trait::async_trait;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use chrono::Utc;
use secrecy::ExposeSecret;
use std::time::Duration;

/// Where a presigned upload for `key` lands. A presigned PUT works until it expires, however
/// often it is used, so it never names an object Gavel records: on completion the staged upload
/// is copied to `key`, which no link names, and `key` is what is hashed and recorded.
fn staging_key(key: &str) -> String {
    format!("staging/{key}")
}

pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
}

fn backend_error<E: std::error::Error>(error: E) -> ObjectStoreError {
    ObjectStoreError::Backend(DisplayErrorContext(error).to_string())
}

impl S3Store {
    pub fn new(config: &S3Config) -> Self {
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build_https();
        let conf = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(http)
            .endpoint_url(&config.endpoint)
            .region(Region::new(config.region.clone()))
            .force_path_style(true)
            .credentials_provider(Credentials::new(
                &config.access_key_id,
                config.secret_access_key.expose_secret(),
                None,
                None,
                "gavel-environment",
            ))
            // Checksums only where S3 requires them: B2 and presigned PUTs from browsers do
            // not handle the SDK's default CRC32 headers. Integrity comes from our SHA-256.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .build();
        S3Store {
            client: aws_sdk_s3::Client::from_conf(conf),
            bucket: config.bucket.clone(),
        }
    }

    async fn exists(&self, key: &str) -> Result<bool, ObjectStoreError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) if e.err().is_not_found() => Ok(false),
            Err(e) => Err(backend_error(e)),
        }
    }
}

#[async_trait]
impl ObjectStore for S3Store {
    fn backend(&self) -> &'static str {
        "s3"
    }

    async fn put_new(
        &self,
        key: &str,
        content_type: &str,
        body: ObjectBody,
    ) -> Result<(), ObjectStoreError> {
        // Keys carry 128 random bits, so a clash means something is wrong; never overwrite.
        if self.exists(key).await? {
            return Err(ObjectStoreError::Exists(key.to_string()));
        }
        let (length, body) = match body {
            ObjectBody::Bytes(bytes) => (bytes.len() as u64, ByteStream::from(bytes)),
            // Read from the file in chunks as it is sent.
            ObjectBody::File(path) => {
                let stream = ByteStream::from_path(&path).await.map_err(backend_error)?;
                let length = tokio::fs::metadata(&path)
                    .await
                    .map_err(|e| ObjectStoreError::Backend(e.to_string()))?
                    .len();
                (length, stream)
            }
        };
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(length as i64)
            .body(body)
            .send()
            .await
            .map_err(backend_error)?;
        Ok(())
    }

    async fn digest(&self, key: &str) -> Result<Option<ObjectDigest>, ObjectStoreError> {
        let output = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(output) => output,
            Err(SdkError::ServiceError(e)) if e.err().is_no_such_key() => return Ok(None),
            Err(e) => return Err(backend_error(e)),
        };
        let mut body = output.body;
        let mut digest = IncrementalDigest::default();
        while let Some(chunk) = body.try_next().await.map_err(backend_error)? {
            digest.update(&chunk);
        }
        Ok(Some(digest.finish()))
    }

    async fn finish_upload(&self, key: &str) -> Result<Option<ObjectDigest>, ObjectStoreError> {
        // Copied once: an earlier attempt that copied but then recorded nothing keeps its copy.
        if !self.exists(key).await? {
            let copied = self
                .client
                .copy_object()
                .bucket(&self.bucket)
                .copy_source(format!("{}/{}", self.bucket, staging_key(key)))
                .key(key)
                .send()
                .await;
            match copied {
                Ok(_) => {}
                Err(SdkError::ServiceError(e)) if e.err().code() == Some("NoSuchKey") => {
                    return Ok(None)
                }
                Err(e) => return Err(backend_error(e)),
            }
        }
        self.digest(key).await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, ObjectStoreError> {
        let mut keys = Vec::new();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .delimiter("/")
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(backend_error)?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_string)),
            );
        }
        Ok(keys)
    }

    async fn read_small(
        &self,
        key: &str,
        max_bytes: u64,
    ) -> Result<Option<Vec<u8>>, ObjectStoreError> {
        let output = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(output) => output,
            Err(SdkError::ServiceError(e)) if e.err().is_no_such_key() => return Ok(None),
            Err(e) => return Err(backend_error(e)),
        };
        let too_large =
            || ObjectStoreError::Backend(format!("{key} is larger than {max_bytes} bytes"));
        if output
            .content_length()
            .is_some_and(|n| n as u64 > max_bytes)
        {
            return Err(too_large());
        }
        let mut body = output.body;
        let mut bytes = Vec::new();
        while let Some(chunk) = body.try_next().await.map_err(backend_error)? {
            if (bytes.len() + chunk.len()) as u64 > max_bytes {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Some(bytes))
    }

    async fn presign_get(
        &self,
        key: &str,
        _link_id: uuid::Uuid,
        expires_in: Duration,
    ) -> Result<String, ObjectStoreError> {
        let expires_in = expires_in.min(super::MAX_DOWNLOAD_EXPIRY);
        let presigning = PresigningConfig::expires_in(expires_in).map_err(backend_error)?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(presigning)
            .await
            .map_err(backend_error)?;
        Ok(request.uri().to_string())
    }

    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        expires_in: Duration,
    ) -> Result<PresignedUpload, ObjectStoreError> {
        let expires_in = expires_in.min(MAX_UPLOAD_EXPIRY);
        let presigning = PresigningConfig::expires_in(expires_in).map_err(backend_error)?;
        // Content-Type and Content-Length become signed headers: any other type or size
        // fails the signature check at the storage.
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(staging_key(key))
            .content_type(content_type)
            .content_length(size as i64)
            .presigned(presigning)
            .await
            .map_err(backend_error)?;
        Ok(PresignedUpload {
            url: request.uri().to_string(),
            method: "PUT",
            headers: request
                .headers()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            expires_at: Utc::now() + chrono::Duration::from_std(expires_in).expect("≤ 15 min"),
        })
    }
}
