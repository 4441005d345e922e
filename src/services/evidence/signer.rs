//! Signatures under named keys so keys can be rotated: new entries are signed with the current
//! key, and entries signed with a retired key still verify as long as that key is configured.
//! The HMAC itself is `domain::evidence::signing`; this holds the configured keys, which is why
//! it sits above `config` rather than in `domain`.

use crate::config::HmacKey;
use crate::domain::evidence::canonical::NotCanonical;
use crate::domain::evidence::signing::{
    derive_key, sign_document, verify_document, SignatureError,
};
use serde_json::Value;

#[derive(Clone)]
pub struct Signer {
    current: HmacKey,
    retired: Vec<HmacKey>,
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
        sign_document(self.current.secret_bytes(), document)
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
        verify_document(key.secret_bytes(), document, signature)
    }

    /// A key for another purpose (the local upload URLs), derived so it never equals the
    /// evidence key itself.
    pub fn derived_key(&self, purpose: &str) -> Vec<u8> {
        derive_key(self.current.secret_bytes(), purpose)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::evidence::signing::{hmac_hex, hmac_verify, sha256_hex};
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
