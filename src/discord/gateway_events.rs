//! Gateway events: panel components and modals, mute evasion on rejoin, moderation done in
//! Discord's own UI (from the audit log), and Gavel leaving or joining a server (its scheduled
//! rows are parked while it is out, and go ahead when it is back).

use crate::discord::context::{CommandError, Data};
use crate::discord::interactions;
use crate::services::audit_log_cases::{AuditAction, AuditEntry};
use chrono::DateTime;
use serenity::all::{
    audit_log::{Action, Change, MemberAction},
    AuditLogEntry, Context, FullEvent,
};

pub async fn handle(ctx: &Context, event: &FullEvent, data: &Data) -> Result<(), CommandError> {
    match event {
        FullEvent::InteractionCreate { interaction } => {
            interactions::dispatch(ctx, data, interaction).await
        }
        FullEvent::GuildMemberAddition { new_member } => {
            let restored = data
                .services
                .mutes
                .restore_on_rejoin(new_member.guild_id.get(), new_member.user.id.get())
                .await?;
            if !restored.is_empty() {
                tracing::info!(
                    guild = new_member.guild_id.get(),
                    user = new_member.user.id.get(),
                    count = restored.len(),
                    "restored mute roles on rejoin"
                );
            }
        }
        // `unavailable`: an outage; the guild comes back by itself and nothing is parked.
        FullEvent::GuildDelete { incomplete, .. } if !incomplete.unavailable => {
            let guild_id = incomplete.id.get();
            let parked = data.services.guild_presence.removed(guild_id).await?;
            tracing::info!(
                guild_id,
                parked,
                "removed from the server; its scheduled rows wait"
            );
        }
        FullEvent::GuildCreate { guild, .. } => {
            let guild_id = guild.id.get();
            let resumed = data.services.guild_presence.present(guild_id).await?;
            if resumed > 0 {
                tracing::info!(
                    guild_id,
                    resumed,
                    "in the server again; its parked rows resume"
                );
            }
        }
        FullEvent::GuildAuditLogEntryCreate { entry, guild_id } => {
            if let Some(entry) = audit_entry(guild_id.get(), entry) {
                data.services.audit_log_cases.record(entry).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The moderation entries Gavel records; everything else in the audit log is ignored.
fn audit_entry(guild_id: u64, entry: &AuditLogEntry) -> Option<AuditEntry> {
    let target_id = entry.target_id?.get();
    let action = match entry.action {
        Action::Member(MemberAction::BanAdd) => AuditAction::Ban,
        Action::Member(MemberAction::BanRemove) => AuditAction::Unban,
        Action::Member(MemberAction::Kick) => AuditAction::Kick,
        Action::Member(MemberAction::Update) => {
            let change = entry.changes.as_ref()?.iter().find_map(|c| match c {
                Change::CommunicationDisabledUntil { new, .. } => Some(*new),
                _ => None,
            })?;
            match change {
                Some(until) => AuditAction::Timeout {
                    until: DateTime::from_timestamp(until.unix_timestamp(), 0)?,
                },
                None => AuditAction::TimeoutRemoved,
            }
        }
        _ => return None,
    };
    Some(AuditEntry {
        guild_id,
        action,
        actor_id: entry.user_id.get(),
        target_id,
        reason: entry.reason.clone(),
    })
}
