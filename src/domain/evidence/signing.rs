//! HMAC-SHA256 over canonical documents and SHA-256 of contents, computed from raw key bytes.
//! Which key signs and verifies what (key ids, rotation) is `services::evidence::signer`.

use super::canonical::{self, NotCanonical};
use hmac::{KeyInit, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};

type HmacSha256 = hmac::Hmac<Sha256>;

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

fn mac(key: &[u8]) -> HmacSha256 {
    HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length")
}

/// Hex HMAC-SHA256 of the document's signed message under `key`.
pub fn sign_document(key: &[u8], document: &Value) -> Result<String, NotCanonical> {
    let mut mac = mac(key);
    mac.update(&canonical::signed_message(document)?);
    Ok(hex::encode(mac.finalize().into_bytes()))
}

/// Checks `signature` (hex) over the document under `key`, in constant time.
pub fn verify_document(
    key: &[u8],
    document: &Value,
    signature: &str,
) -> Result<(), SignatureError> {
    let expected = hex::decode(signature).map_err(|_| SignatureError::Malformed)?;
    let mut mac = mac(key);
    mac.update(&canonical::signed_message(document)?);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// A key for another purpose (the local upload URLs), derived from `key` so it never equals
/// `key` itself.
pub fn derive_key(key: &[u8], purpose: &str) -> Vec<u8> {
    let mut mac = mac(key);
    mac.update(b"gavel-derive-v1\n");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// HMAC-SHA256 of `message` under a raw key, for the upload URLs.
pub fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    let mut mac = mac(key);
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// Constant-time check of a hex HMAC made by [`hmac_hex`].
pub fn hmac_verify(key: &[u8], message: &[u8], signature: &str) -> bool {
    let Ok(expected) = hex::decode(signature) else {
        return false;
    };
    let mut mac = mac(key);
    mac.update(message);
    mac.verify_slice(&expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn signs_verifies_and_detects_changes() {
        let key = [1u8; 32];
        let doc = json!({"a": 1, "b": "x"});
        let sig = sign_document(&key, &doc).unwrap();
        assert!(verify_document(&key, &doc, &sig).is_ok());
        assert_eq!(
            verify_document(&[2u8; 32], &doc, &sig),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_document(&key, &json!({"a": 2, "b": "x"}), &sig),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_document(&key, &doc, "not hex"),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let k = derive_key(&key, "upload");
        assert_ne!(k, key);
        assert!(hmac_verify(&k, b"m", &hmac_hex(&k, b"m")));
        assert!(!hmac_verify(&k, b"n", &hmac_hex(&k, b"m")));
    }
}
