//! Evidence: objects kept where Discord cannot delete them, signed so nobody (not even someone
//! with database access) can change them without it being detected.
//!
//! - `store.rs` the storage trait; `local.rs` and `s3.rs` its backends
//! - `canonical.rs` the signed documents; `signing.rs` HMAC-SHA256 with key ids
//! - `verify.rs` re-checks objects, signatures and chains; `upload_server.rs` the local
//!   backend's signed upload endpoint

pub mod canonical;
pub mod cdn;
pub mod local;
pub mod s3;
pub mod signing;
pub mod store;
pub mod upload_server;
pub mod verify;

use crate::config::{EvidenceBackend, EvidenceConfig};
use std::sync::Arc;

/// Everything evidence needs at run time, built from the configuration.
#[derive(Clone)]
pub struct Evidence {
    pub store: Arc<dyn store::EvidenceStore>,
    /// Set with the local backend, whose uploads Gavel serves itself.
    pub local: Option<Arc<local::LocalStore>>,
    pub signer: signing::Signer,
    pub cdn: cdn::CdnClient,
    pub max_file_bytes: u64,
}

impl Evidence {
    /// `None` when no signing key is configured (evidence is then off).
    pub fn from_config(config: &EvidenceConfig) -> Option<Self> {
        let key = config.signing_key.clone()?;
        let signer = signing::Signer::new(key, config.retired_keys.clone());
        let (store, local): (Arc<dyn store::EvidenceStore>, _) = match &config.backend {
            EvidenceBackend::Local { dir } => {
                let local = Arc::new(local::LocalStore::new(
                    dir.clone(),
                    &config.public_url,
                    signer.derived_key("local-upload-url"),
                ));
                (local.clone(), Some(local))
            }
            EvidenceBackend::S3(s3) => (Arc::new(s3::S3Store::new(s3)), None),
        };
        Some(Evidence {
            store,
            local,
            signer,
            cdn: cdn::CdnClient::new(config.cdn_hosts.clone(), config.max_file_bytes),
            max_file_bytes: config.max_file_bytes,
        })
    }
}
