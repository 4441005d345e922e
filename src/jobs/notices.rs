//! What the scheduler tells a guild's mod log. Posting is best effort: the outcome is already
//! recorded, so a failed post is only logged.

use super::JobContext;
use crate::domain::{Embed, OutgoingMessage};
use chrono::Utc;

const GREY: u32 = 0x95_A5_A6;

pub async fn post_to_mod_log(ctx: &JobContext, guild_id: u64, embed: Embed) {
    let message = OutgoingMessage::embed(embed);
    ctx.settings.mod_log().post(guild_id, &message).await;
}

/// Something the scheduler could not do, for moderators to fix.
pub async fn post_failure(ctx: &JobContext, guild_id: u64, title: &str, text: String) {
    let embed = Embed {
        title: Some(title.to_string()),
        description: Some(text),
        color: Some(GREY),
        footer: Some("source: scheduler".into()),
        timestamp: Some(Utc::now()),
        ..Default::default()
    };
    post_to_mod_log(ctx, guild_id, embed).await;
}
