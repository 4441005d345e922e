//! HTTP endpoints Gavel serves itself (axum): today the local evidence backend's signed uploads.

pub mod evidence_upload;
