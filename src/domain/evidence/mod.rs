//! Evidence as pure data and pure computation: the signed documents (entries, and the anchors
//! of chain heads) and their canonical form, the HMAC and hashes over them, digests of objects
//! read in chunks, and message snapshots.

pub mod anchor;
pub mod canonical;
pub mod digest;
pub mod signing;
pub mod snapshot;
