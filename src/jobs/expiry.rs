//! Tempbans and timed mutes that run out: Gavel undoes them in Discord, ends the row, closes
//! the case (a moderator can still view it), and tells the event log and the mod log.

use super::scheduled_action::{Acted, Due, ScheduledAction};
use crate::domain::{audit_reason, Embed};
use crate::error::GavelResult;
use crate::ports::discord::{codes, DiscordError, DiscordPort, DiscordResult};
use crate::services::event_log::{event, kinds, EventExt, ModEventLogger};
use crate::store::cases;
use crate::store::mutes::Mute;
use crate::store::scheduled_row::{self, Locked, ScheduledRow};
use crate::store::tempbans::Tempban;
use chrono::Utc;
use serde_json::{json, Map, Value};
use std::future::Future;
use std::marker::PhantomData;

const GREEN: u32 = 0x2E_CC_71;

/// A punishment that ends by itself when it runs out.
pub trait Expiry: ScheduledRow {
    /// "Tempban", "Mute": for the audit log and the mod log.
    const NOUN: &'static str;
    const EVENT: &'static str;
    /// What the event log says happened.
    const DETAILS: &'static str;

    /// Undoes it in Discord; a punishment that is already gone counts as undone.
    fn undo(
        &self,
        port: &dyn DiscordPort,
        audit: &str,
    ) -> impl Future<Output = DiscordResult<()>> + Send;

    /// Event data besides the case number and the timing.
    fn event_data(&self) -> Map<String, Value>;
    /// The mod log's line once it is undone.
    fn ran_out(&self) -> String;
    /// The mod log's line when Discord refuses to undo it.
    fn could_not_undo(&self, case_number: i32, refusal: &str) -> String;
}

/// The job that ends an `R` when it runs out.
pub struct Expire<R>(PhantomData<R>);

impl<R: Expiry> ScheduledAction for Expire<R> {
    type Row = R;

    async fn act(due: Due<'_, R>) -> GavelResult<Acted> {
        let (ctx, tx, locked, expires_at) = (due.ctx, due.tx, due.locked, due.due_at);
        let row = &locked.state;
        let noun = R::NOUN.to_lowercase();
        let audit = audit_reason(locked.case_number, Some(&format!("{noun} expired")));
        if let Err(error) = locked.row.undo(ctx.port.as_ref(), &audit).await {
            return Ok(Acted::Failed(error));
        }
        let bot = ctx.bot_user_id();
        scheduled_row::end::<R>(tx, row.key, Some(bot), "expired").await?;
        cases::close(tx, row.case_id, bot).await?;
        let mut data = locked.row.event_data();
        data.extend([
            ("case_number".into(), json!(locked.case_number)),
            ("expires_at".into(), json!(expires_at)),
            (
                "late_ms".into(),
                json!((Utc::now() - expires_at).num_milliseconds()),
            ),
        ]);
        ModEventLogger::log(
            &mut *tx,
            &event(row.guild_id, R::EVENT, bot)
                .target(row.user_id)
                .case(row.case_id)
                .violation(&locked.violation_type)
                .details(Some(R::DETAILS))
                .data(Value::Object(data)),
        )
        .await?;
        Ok(Acted::Recorded(Some(Embed {
            title: Some(format!("{} ended · case #{}", R::NOUN, locked.case_number)),
            description: Some(locked.row.ran_out()),
            color: Some(GREEN),
            footer: Some("source: scheduler".into()),
            timestamp: Some(Utc::now()),
            ..Default::default()
        })))
    }

    fn refusal_notice(locked: &Locked<R>, error: &DiscordError) -> (String, String) {
        let text = locked
            .row
            .could_not_undo(locked.case_number, &error.moderator_message());
        (format!("{} could not end", R::NOUN), text)
    }
}

impl Expiry for Tempban {
    const NOUN: &'static str = "Tempban";
    const EVENT: &'static str = kinds::TEMPBAN_EXPIRED;
    const DETAILS: &'static str = "tempban expired; ban lifted";

    async fn undo(&self, port: &dyn DiscordPort, audit: &str) -> DiscordResult<()> {
        match port.unban(self.guild_id, self.user_id, audit).await {
            Err(e) if e.is(codes::UNKNOWN_BAN) => Ok(()),
            other => other,
        }
    }

    fn event_data(&self) -> Map<String, Value> {
        Map::new()
    }

    fn ran_out(&self) -> String {
        format!(
            "<@{}>'s tempban ran out; Gavel lifted the ban.",
            self.user_id
        )
    }

    fn could_not_undo(&self, case_number: i32, refusal: &str) -> String {
        format!(
            "Gavel could not lift <@{}>'s tempban (case #{case_number}): {refusal} Gavel will try again every hour; you can also use /mod unban.",
            self.user_id
        )
    }
}

impl Expiry for Mute {
    const NOUN: &'static str = "Mute";
    const EVENT: &'static str = kinds::MUTE_EXPIRED;
    const DETAILS: &'static str = "mute expired; role removed";

    async fn undo(&self, port: &dyn DiscordPort, audit: &str) -> DiscordResult<()> {
        match port
            .remove_role(self.guild_id, self.user_id, self.role_id, audit)
            .await
        {
            // The member left or the role is gone: the mute is over either way.
            Err(e) if e.is(codes::UNKNOWN_MEMBER) || e.is(codes::UNKNOWN_ROLE) => Ok(()),
            other => other,
        }
    }

    fn event_data(&self) -> Map<String, Value> {
        let mut data = Map::new();
        data.insert("mute_type".into(), json!(self.mute_type.as_str()));
        data.insert("role_id".into(), json!(self.role_id.to_string()));
        data
    }

    fn ran_out(&self) -> String {
        format!(
            "<@{}>'s {} mute ran out; Gavel removed <@&{}>.",
            self.user_id,
            self.mute_type.as_str().to_lowercase(),
            self.role_id
        )
    }

    fn could_not_undo(&self, case_number: i32, refusal: &str) -> String {
        format!(
            "Gavel could not remove the mute role from <@{}> (case #{case_number}): {refusal} Gavel will try again every hour; you can also use /mod unmute.",
            self.user_id
        )
    }
}
