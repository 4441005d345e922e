//! The evidence runtime built from the configuration: where objects are stored, the signer, the
//! CDN client and the size cap.

use super::signer::Signer;
use crate::config::{EvidenceBackend, EvidenceConfig};
use crate::store::objects::cdn::CdnClient;
use crate::store::objects::local::LocalStore;
use crate::store::objects::s3::S3Store;
use crate::store::objects::ObjectStore;
use std::sync::Arc;

/// Everything evidence needs at run time, built from the configuration.
#[derive(Clone)]
pub struct Evidence {
    pub store: Arc<dyn ObjectStore>,
    /// Set with the local backend, whose uploads Gavel serves itself.
    pub local: Option<Arc<LocalStore>>,
    pub signer: Signer,
    pub cdn: CdnClient,
    pub max_file_bytes: u64,
}

impl Evidence {
    /// `None` when no signing key is configured (evidence is then off).
    pub fn from_config(config: &EvidenceConfig) -> Option<Self> {
        let key = config.signing_key.clone()?;
        let signer = Signer::new(key, config.retired_keys.clone());
        let (store, local): (Arc<dyn ObjectStore>, _) = match &config.backend {
            EvidenceBackend::Local { dir } => {
                let local = Arc::new(LocalStore::new(
                    dir.clone(),
                    &config.public_url,
                    signer.derived_key("local-upload-url"),
                ));
                (local.clone(), Some(local))
            }
            EvidenceBackend::S3(s3) => (Arc::new(S3Store::new(s3)), None),
        };
        Some(Evidence {
            store,
            local,
            signer,
            cdn: CdnClient::new(config.cdn_hosts.clone(), config.max_file_bytes),
            max_file_bytes: config.max_file_bytes,
        })
    }
}
