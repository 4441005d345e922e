//! NotesService: private moderator notes about a user.

use super::event_log::{event, kinds, EventExt, ModEventLogger};
use super::hierarchy::record_change_refusal;
use crate::error::{GavelError, GavelResult};
use crate::ports::discord::DiscordPort;
use crate::store::notes::{self, Note};
use sqlx::PgPool;
use std::sync::Arc;

pub const MAX_NOTE_CHARS: usize = 2000;
/// How many notes one view reads: the newest, with the total.
pub const NOTES_SHOWN: i64 = 20;

#[derive(Clone)]
pub struct NotesService {
    pool: PgPool,
    port: Arc<dyn DiscordPort>,
}

impl NotesService {
    pub fn new(pool: PgPool, port: Arc<dyn DiscordPort>) -> Self {
        NotesService { pool, port }
    }

    pub async fn add(
        &self,
        guild_id: u64,
        author_id: u64,
        user_id: u64,
        content: &str,
    ) -> GavelResult<Note> {
        let content = content.trim();
        if content.is_empty() {
            return Err(GavelError::invalid("A note needs some text."));
        }
        if content.chars().count() > MAX_NOTE_CHARS {
            return Err(GavelError::invalid(format!(
                "Notes are limited to {MAX_NOTE_CHARS} characters; this one has {}.",
                content.chars().count()
            )));
        }
        let mut tx = self.pool.begin().await?;
        let note = notes::insert(&mut tx, guild_id, user_id, author_id, content).await?;
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, kinds::NOTE_ADDED, author_id)
                .target(user_id)
                .details(Some(content))
                .data(serde_json::json!({ "note_id": note.id })),
        )
        .await?;
        tx.commit().await?;
        Ok(note)
    }

    /// The newest [`NOTES_SHOWN`] visible notes, newest first.
    pub async fn list(&self, guild_id: u64, user_id: u64) -> GavelResult<Vec<Note>> {
        Ok(self.recent(guild_id, user_id, NOTES_SHOWN).await?.0)
    }

    /// The newest `limit` visible notes, newest first, and how many there are in all.
    pub async fn recent(
        &self,
        guild_id: u64,
        user_id: u64,
        limit: i64,
    ) -> GavelResult<(Vec<Note>, i64)> {
        let shown = notes::recent_visible_for_user(&self.pool, guild_id, user_id, limit).await?;
        let total = notes::count_visible(&self.pool, guild_id, user_id).await?;
        Ok((shown, total))
    }

    /// Deletes a note (it stays on record as deleted). Not a note about yourself, nor one about
    /// or by someone ranked at or above you.
    pub async fn delete(&self, guild_id: u64, actor_id: u64, note_id: i64) -> GavelResult<Note> {
        let no_note = || GavelError::not_found(format!("There is no note #{note_id} here."));
        let note = notes::get(&self.pool, guild_id, note_id)
            .await?
            .filter(|note| note.deleted_at.is_none())
            .ok_or_else(no_note)?;
        if let Some(refusal) = record_change_refusal(
            self.port.as_ref(),
            guild_id,
            actor_id,
            note.user_id,
            note.author_id,
        )
        .await?
        {
            return Err(GavelError::Invalid(refusal));
        }
        let mut tx = self.pool.begin().await?;
        let note = notes::delete(&mut tx, guild_id, note_id, actor_id)
            .await?
            .ok_or_else(|| GavelError::not_found(format!("There is no note #{note_id} here.")))?;
        ModEventLogger::log(
            &mut *tx,
            &event(guild_id, kinds::NOTE_DELETED, actor_id)
                .target(note.user_id)
                .details(Some(&note.content))
                .data(serde_json::json!({ "note_id": note.id })),
        )
        .await?;
        tx.commit().await?;
        Ok(note)
    }
}
