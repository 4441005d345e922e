//! Links to open stored evidence objects: a presigned GET (S3/B2) or a signed single-use link to
//! Gavel's own endpoint (local storage), valid for 15 minutes, only for a case of the server
//! asking. Every link is recorded (`evidence_download_links`) and is an event: who, which object.

use super::{storage_failed, EvidenceService};
use crate::error::GavelResult;
use crate::services::event_log::{event, kinds, EventExt, ModEventLogger};
use crate::store::evidence as rows;
use crate::store::evidence_downloads::{self, NewDownloadLink};
use crate::store::objects::MAX_DOWNLOAD_EXPIRY;
use chrono::{DateTime, Utc};
use serde_json::json;

/// One object of a case's evidence, with a link that opens it.
#[derive(Debug, Clone)]
pub struct DownloadLink {
    /// The evidence entry the object belongs to.
    pub seq: i32,
    /// The object's file name.
    pub name: String,
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

impl EvidenceService {
    /// Links for `limit` stored objects of the case `case_number` of this server, after the
    /// first `skip` (objects in entry order), and how many objects it has in all. Another
    /// server's case number is not found.
    pub async fn download_links(
        &self,
        guild_id: u64,
        actor_id: u64,
        case_number: i32,
        skip: usize,
        limit: usize,
    ) -> GavelResult<(Vec<DownloadLink>, usize)> {
        let evidence = self.runtime()?;
        let case = self.cases.get(guild_id, case_number).await?;
        let items = rows::items_for_case(&self.pool, case.id).await?;
        let objects: Vec<_> = items
            .iter()
            .flat_map(|item| {
                item.objects
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |object| (item, object))
            })
            .filter_map(|(item, object)| {
                let key = object["key"].as_str()?.to_string();
                // Keys end in the object's (safe) file name.
                let name = key.rsplit('/').next().unwrap_or("object").to_string();
                Some((item, key, name))
            })
            .collect();
        let total = objects.len();
        let mut links = Vec::new();
        for (item, key, name) in objects.into_iter().skip(skip).take(limit) {
            let id = uuid::Uuid::new_v4();
            let expires_at = Utc::now()
                + chrono::Duration::from_std(MAX_DOWNLOAD_EXPIRY).expect("15 minutes fits");
            let url = evidence
                .store
                .presign_get(&key, id, MAX_DOWNLOAD_EXPIRY)
                .await
                .map_err(storage_failed)?;
            let mut tx = self.pool.begin().await?;
            evidence_downloads::insert(
                &mut *tx,
                &NewDownloadLink {
                    id,
                    guild_id,
                    item_id: item.id,
                    object_key: &key,
                    created_by: actor_id,
                    expires_at,
                },
            )
            .await?;
            ModEventLogger::log(
                &mut *tx,
                &event(guild_id, kinds::EVIDENCE_LINK_CREATED, actor_id)
                    .target(case.target_id)
                    .case(case.id)
                    .violation(&case.violation_type)
                    .data(json!({
                        "link_id": id,
                        "entry": item.seq,
                        "object_key": key,
                        "name": name,
                        "backend": evidence.store.backend(),
                        "expires_at": expires_at,
                    })),
            )
            .await?;
            tx.commit().await?;
            links.push(DownloadLink {
                seq: item.seq,
                name,
                url,
                expires_at,
            });
        }
        Ok((links, total))
    }

    /// Uses a local download link once; `false` when it was used, expired or never issued.
    pub async fn redeem_download(
        &self,
        link_id: uuid::Uuid,
        object_key: &str,
    ) -> GavelResult<bool> {
        Ok(evidence_downloads::redeem(&self.pool, link_id, object_key).await?)
    }
}
