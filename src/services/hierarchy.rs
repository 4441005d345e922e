//! Who may act on whom. Checked before any case is opened or any Discord call is made.

use crate::error::GavelResult;
use crate::ports::discord::{DiscordPort, GuildSnapshot, MemberSnapshot};

/// What the check learned, for the action that follows.
pub struct Cleared {
    pub guild: GuildSnapshot,
    /// `None` when the target is not in the guild (allowed for bans and unbans).
    pub target: Option<MemberSnapshot>,
}

pub enum Verdict {
    Cleared(Cleared),
    Refused(String),
}

/// Refuses acting on yourself, the owner, the bot, and anyone ranked at or above the
/// moderator or the bot. `target_must_be_member` for actions that need a member (kick,
/// timeout, mute, warn).
pub async fn check(
    port: &dyn DiscordPort,
    guild_id: u64,
    moderator_id: u64,
    target_id: u64,
    target_must_be_member: bool,
) -> GavelResult<Verdict> {
    if target_id == moderator_id {
        return Ok(Verdict::Refused("You cannot moderate yourself.".into()));
    }
    if target_id == port.bot_user_id() {
        return Ok(Verdict::Refused("Gavel cannot act on itself.".into()));
    }
    let guild = port.guild(guild_id).await?;
    if target_id == guild.owner_id {
        return Ok(Verdict::Refused(
            "The server owner cannot be moderated.".into(),
        ));
    }
    let target = port.member(guild_id, target_id).await?;
    let Some(target_member) = &target else {
        if target_must_be_member {
            return Ok(Verdict::Refused(format!(
                "<@{target_id}> is not a member of this server."
            )));
        }
        return Ok(Verdict::Cleared(Cleared { guild, target }));
    };
    let target_top = guild.top_position(target_member);
    if moderator_id != guild.owner_id {
        let Some(moderator) = port.member(guild_id, moderator_id).await? else {
            return Ok(Verdict::Refused(
                "You are not a member of this server.".into(),
            ));
        };
        if target_top >= guild.top_position(&moderator) {
            return Ok(Verdict::Refused(format!(
                "<@{target_id}>'s highest role is at or above yours; only someone ranked higher can act on them."
            )));
        }
    }
    let bot_top = match port.member(guild_id, port.bot_user_id()).await? {
        Some(bot) => guild.top_position(&bot),
        None => 0,
    };
    if target_top >= bot_top {
        return Ok(Verdict::Refused(format!(
            "<@{target_id}>'s highest role is at or above Gavel's; move Gavel's role above theirs in Server Settings → Roles."
        )));
    }
    Ok(Verdict::Cleared(Cleared { guild, target }))
}
