//! The local backend's upload endpoint: `PUT /evidence/upload?key&content_type&size&expires&sig`
//! accepts exactly the object a signed link allows (type, size, before expiry, once), stores it
//! and records it as evidence. `gavel run` serves it on `EVIDENCE_UPLOAD_ADDR` when evidence
//! uses the local backend.

use crate::services::evidence::EvidenceService;
use crate::store::objects::local::{LocalStore, UploadGrant};
use crate::store::objects::spool::Spool;
use crate::store::objects::{ObjectBody, ObjectStore, ObjectStoreError};
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::{get, put};
use axum::Router;
use futures::StreamExt;
use std::sync::Arc;

#[derive(Clone)]
struct UploadState {
    local: Arc<LocalStore>,
    service: EvidenceService,
}

/// The upload endpoint and, beside it, the download endpoint (`web::evidence_download`).
pub fn router(local: Arc<LocalStore>, service: EvidenceService) -> Router {
    let downloads = Router::new()
        .route(
            "/evidence/download",
            get(super::evidence_download::download),
        )
        .with_state(super::evidence_download::DownloadState {
            local: local.clone(),
            service: service.clone(),
        });
    Router::new()
        .route("/evidence/upload", put(upload))
        .with_state(UploadState { local, service })
        .merge(downloads)
}

/// Serves uploads on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    local: Arc<LocalStore>,
    service: EvidenceService,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(local, service))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn upload(
    State(state): State<UploadState>,
    grant: Result<Query<UploadGrant>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> (StatusCode, String) {
    let Ok(Query(grant)) = grant else {
        return (
            StatusCode::BAD_REQUEST,
            "This is not an upload link.\n".into(),
        );
    };
    if let Err(reason) = state.local.check_grant(&grant) {
        return (StatusCode::FORBIDDEN, format!("Refused: {reason}.\n"));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type != grant.content_type {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Refused: this link takes Content-Type {}, not {content_type}.\n",
                grant.content_type
            ),
        );
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared != Some(grant.size) {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Refused: this link takes exactly {} bytes.\n", grant.size),
        );
    }
    let spool = match spool_body(body, grant.size).await {
        Ok(spool) => spool,
        Err(SpoolRefusal::WrongSize) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("Refused: this link takes exactly {} bytes.\n", grant.size),
            )
        }
        Err(SpoolRefusal::Failed(e)) => {
            tracing::error!(error = %e, "spooling a local evidence upload failed");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The upload could not be stored; try again.\n".into(),
            );
        }
    };
    let body = ObjectBody::File(spool.path().to_path_buf());
    match state
        .local
        .put_new(&grant.key, &grant.content_type, body)
        .await
    {
        Ok(()) => {}
        Err(ObjectStoreError::Exists(_)) => {
            return (
                StatusCode::CONFLICT,
                "Refused: this link has already been used.\n".into(),
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "local evidence upload failed");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The upload could not be stored; try again.\n".into(),
            );
        }
    }
    match state.service.complete_upload_by_key(&grant.key).await {
        Ok(added) => (
            StatusCode::CREATED,
            format!(
                "Stored as evidence entry #{} of case #{} (SHA-256 {}).\n",
                added.seq,
                added.case_number,
                added.sha256().unwrap_or_default()
            ),
        ),
        Err(e) => {
            tracing::error!(error = %e, key = %grant.key, "recording an uploaded object failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!(
                    "The file was stored but could not be recorded: {}\n",
                    e.user_message()
                ),
            )
        }
    }
}

enum SpoolRefusal {
    WrongSize,
    Failed(std::io::Error),
}

/// The request body, chunk by chunk into a temporary file; refused unless it is exactly `size`
/// bytes (more is refused as soon as it arrives, without reading the rest).
async fn spool_body(body: Body, size: u64) -> Result<Spool, SpoolRefusal> {
    let mut spool = Spool::create().await.map_err(SpoolRefusal::Failed)?;
    let mut chunks = body.into_data_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|_| SpoolRefusal::WrongSize)?;
        if spool.size() + chunk.len() as u64 > size {
            return Err(SpoolRefusal::WrongSize);
        }
        spool.write(&chunk).await.map_err(SpoolRefusal::Failed)?;
    }
    if spool.size() != size {
        return Err(SpoolRefusal::WrongSize);
    }
    spool.finish().await.map_err(SpoolRefusal::Failed)?;
    Ok(spool)
}

/// Starts the upload endpoint when evidence uses the local backend; the task is returned so
/// the caller can stop it.
pub async fn start_if_local(
    config: &crate::config::EvidenceConfig,
    service: &EvidenceService,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    let Some(local) = service.runtime_handle().and_then(|e| e.local.clone()) else {
        return Ok(None);
    };
    let listener = tokio::net::TcpListener::bind(config.upload_addr)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "EVIDENCE_UPLOAD_ADDR {} cannot be listened on: {e}",
                config.upload_addr
            )
        })?;
    tracing::info!(addr = %config.upload_addr, public_url = %config.public_url, "evidence upload endpoint listening");
    let service = service.clone();
    Ok(Some(tokio::spawn(async move {
        if let Err(e) = serve(listener, local, service, std::future::pending()).await {
            tracing::error!(error = %e, "the evidence upload endpoint stopped");
        }
    })))
}
