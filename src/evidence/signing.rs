//! HMAC-SHA256 signatures over canonical documents, under named keys so keys can be rotated:
//! new entries are signed with the current key, and entries signed with a retired key still
//! verify as long as that key is configured.

use super::canonical::{self, NotCanonical};
use crate::config::HmacKey;
use hmac::{KeyInit, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};

type HmacSha256 = hmac::Hmac<Sha256>;

#[derive(Clone)]
pub struct Signer {
    current: HmacKey,
    retired: Vec<HmacKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signed with key `{0}`, which is not configured")]
    UnknownKey(String),
    #[error("the signature does not match")]
    Mismatch,
    #[error("the stored signature is not hex")]
    Malformed,
    #[error(transparent)]
    NotCanonical(#[from] NotCanonical),
}

impl Signer {
    pub fn new(current: HmacKey, retired: Vec<HmacKey>) -> Self {
        Signer { current, retired }
    }

    pub fn key_id(&self) -> &str {
        &self.current.id
    }

    fn key(&self, id: &str) -> Option<&HmacKey> {
        std::iter::once(&self.current)
            .chain(&self.retired)
            .find(|k| k.id == id)
    }

    /// Hex HMAC-SHA256 of the document's signed message under the current key.
    pub fn sign(&self, document: &Value) -> Result<String, NotCanonical> {
        let mut mac = mac(&self.current);
        mac.update(&canonical::signed_message(document)?);
        Ok(hex::encode(mac.finalize().into_bytes()))
    }

    /// Checks `signature` (hex) over the document with the key named `key_id`, in constant time.
    pub fn verify(
        &self,
        key_id: &str,
        document: &Value,
        signature: &str,
    ) -> Result<(), SignatureError> {
        let key = self
            .key(key_id)
            .ok_or_else(|| SignatureError::UnknownKey(key_id.to_string()))?;
        let expected = hex::decode(signature).map_err(|_| SignatureError::Malformed)?;
        let mut mac = mac(key);
        mac.update(&canonical::signed_message(document)?);
        mac.verify_slice(&expected)
            .map_err(|_| SignatureError::Mismatch)
    }

    /// A key for another purpose (the local upload URLs), derived so it never equals the
    /// evidence key itself.
    pub fn derived_key(&self, purpose: &str) -> Vec<u8> {
        let mut mac = mac(&self.current);
        mac.update(b"gavel-derive-v1\n");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

fn mac(key: &HmacKey) -> HmacSha256 {
    HmacSha256::new_from_slice(key.secret_bytes()).expect("HMAC takes keys of any length")
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// HMAC-SHA256 of `message` under a raw key, for the upload URLs.
pub fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// Constant-time check of a hex HMAC made by [`hmac_hex`].
pub fn hmac_verify(key: &[u8], message: &[u8], signature: &str) -> bool {
    let Ok(expected) = hex::decode(signature) else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.verify_slice(&expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(id: &str, byte: u8) -> HmacKey {
        HmacKey::new(id, vec![byte; 32])
    }

    #[test]
    fn signs_verifies_rotates_and_detects_changes() {
        let old = Signer::new(key("old", 1), vec![]);
        let doc = json!({"a": 1, "b": "x"});
        let old_sig = old.sign(&doc).unwrap();
        let rotated = Signer::new(key("new", 2), vec![key("old", 1)]);
        assert!(rotated.verify("old", &doc, &old_sig).is_ok());
        let new_sig = rotated.sign(&doc).unwrap();
        assert!(rotated.verify("new", &doc, &new_sig).is_ok());
        assert_eq!(
            rotated.verify("old", &doc, &new_sig),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            rotated.verify("new", &json!({"a": 2, "b": "x"}), &new_sig),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            old.verify("gone", &doc, &old_sig),
            Err(SignatureError::UnknownKey("gone".into()))
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let k = old.derived_key("upload");
        assert!(hmac_verify(&k, b"m", &hmac_hex(&k, b"m")));
        assert!(!hmac_verify(&k, b"n", &hmac_hex(&k, b"m")));
    }
}
