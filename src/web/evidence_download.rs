//! The local backend's download endpoint: `GET /evidence/download?id&key&expires&sig` serves the
//! object a signed link names, once (the link id is redeemed in the database) and before it
//! expires. S3/B2 evidence is opened through presigned GETs instead. Served with the upload
//! endpoint (`web::evidence_upload::router`).

use crate::services::evidence::EvidenceService;
use crate::store::objects::local::{DownloadGrant, LocalStore};
use crate::store::objects::CHUNK_BYTES;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use tokio::io::AsyncReadExt;

#[derive(Clone)]
pub(super) struct DownloadState {
    pub local: Arc<LocalStore>,
    pub service: EvidenceService,
}

fn refuse(status: StatusCode, text: &str) -> Response {
    (status, format!("{text}\n")).into_response()
}

pub(super) async fn download(
    State(state): State<DownloadState>,
    grant: Result<Query<DownloadGrant>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(grant)) = grant else {
        return refuse(StatusCode::BAD_REQUEST, "This is not a download link.");
    };
    if let Err(reason) = state.local.check_download(&grant) {
        return refuse(StatusCode::FORBIDDEN, &format!("Refused: {reason}."));
    }
    match state.service.redeem_download(grant.id, &grant.key).await {
        Ok(true) => {}
        Ok(false) => {
            return refuse(
                StatusCode::GONE,
                "Refused: this link has already been used or has expired; ask /mod evidence list for a new one.",
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "redeeming an evidence download link failed");
            return refuse(StatusCode::INTERNAL_SERVER_ERROR, "Try again in a moment.");
        }
    }
    let file = match state.local.open(&grant.key).await {
        Ok(Some(file)) => file,
        Ok(None) => return refuse(StatusCode::NOT_FOUND, "The object is missing from storage."),
        Err(e) => {
            tracing::error!(error = %e, "opening an evidence object failed");
            return refuse(StatusCode::INTERNAL_SERVER_ERROR, "Try again in a moment.");
        }
    };
    let name = grant
        .key
        .rsplit('/')
        .next()
        .unwrap_or("evidence")
        .to_string();
    // The object passes through a chunk at a time, never whole.
    let chunks = futures::stream::unfold(file, |mut file| async move {
        let mut chunk = vec![0; CHUNK_BYTES];
        match file.read(&mut chunk).await {
            Ok(0) => None,
            Ok(read) => {
                chunk.truncate(read);
                Some((Ok::<_, std::io::Error>(chunk), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    });
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(chunks),
    )
        .into_response()
}
