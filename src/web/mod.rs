//! HTTP endpoints Gavel serves itself (axum): the local evidence backend's signed uploads and
//! single-use download links.

pub mod evidence_download;
pub mod evidence_upload;
