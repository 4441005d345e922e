//! An S3-compatible server (s3s-fs) run in-process on 127.0.0.1, with SigV4 authentication
//! on: a wrong presign or a request outside what was signed is refused, as B2 would.

use gavel::config::{EvidenceBackend, EvidenceConfig, HmacKey, S3Config};
use hyper_util::rt::TokioIo;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use std::path::PathBuf;

pub const ACCESS_KEY: &str = "gavel-test-key";
pub const SECRET_KEY: &str = "gavel-test-secret-0123456789";
pub const BUCKET: &str = "evidence";
pub const HMAC_KEY: &str = "test-evidence-key-0123456789abcdef-0123";

pub struct TestS3 {
    pub endpoint: String,
    pub root: PathBuf,
}

impl TestS3 {
    pub fn config(&self) -> S3Config {
        S3Config {
            endpoint: self.endpoint.clone(),
            bucket: BUCKET.into(),
            region: "us-east-1".into(),
            access_key_id: ACCESS_KEY.into(),
            secret_access_key: SECRET_KEY.into(),
        }
    }

    /// Where s3s-fs keeps an object's bytes on disk.
    pub fn object_path(&self, key: &str) -> PathBuf {
        self.root.join(BUCKET).join(key)
    }
}

pub fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gavel-{label}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

pub async fn start_s3() -> TestS3 {
    let root = temp_dir("s3");
    std::fs::create_dir_all(root.join(BUCKET)).expect("create the bucket directory");
    let fs = s3s_fs::FileSystem::new(&root).expect("s3s-fs opens its root");
    let mut builder = S3ServiceBuilder::new(fs);
    builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
    let service = builder.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the S3 server");
    let address = listener.local_addr().expect("S3 server address");
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                continue;
            };
            let service = service.clone();
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    TestS3 {
        endpoint: format!("http://{address}"),
        root,
    }
}

/// Evidence on the test S3 server, signed with the test key, attachments from the double's
/// fake CDN on 127.0.0.1.
pub fn s3_evidence_config(s3: &TestS3) -> EvidenceConfig {
    let mut config = EvidenceConfig::local(temp_dir("unused"));
    config.backend = EvidenceBackend::S3(s3.config());
    config.signing_key = Some(test_key());
    config.cdn_hosts = vec!["127.0.0.1".into()];
    config.max_file_bytes = 64 * 1024;
    config
}

pub fn test_key() -> HmacKey {
    HmacKey::new("test-1", HMAC_KEY.as_bytes())
}
