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

/// Who may change a record (void, edit or close a case; delete a note; clear a flag): not the
/// person it is about, and only someone ranked above both that person and whoever made the
/// record, so nobody cleans their own record or overrules a senior. Gavel's own records (made
/// by automatic moderation) may be changed by any moderator. `None` when allowed.
pub async fn record_change_refusal(
    port: &dyn DiscordPort,
    guild_id: u64,
    actor_id: u64,
    subject_id: u64,
    author_id: u64,
) -> GavelResult<Option<String>> {
    if actor_id == subject_id {
        return Ok(Some(
            "You cannot change records about yourself; ask another moderator.".into(),
        ));
    }
    let guild = port.guild(guild_id).await?;
    if actor_id == guild.owner_id {
        return Ok(None);
    }
    let Some(actor) = port.member(guild_id, actor_id).await? else {
        return Ok(Some("You are not a member of this server.".into()));
    };
    let actor_top = guild.top_position(&actor);
    let outranks = |top: u16| top < actor_top;
    if subject_id == guild.owner_id {
        return Ok(Some(
            "Records about the server owner can only be changed by the owner.".into(),
        ));
    }
    if let Some(subject) = port.member(guild_id, subject_id).await? {
        if !outranks(guild.top_position(&subject)) {
            return Ok(Some(format!(
                "<@{subject_id}>'s highest role is at or above yours; only someone ranked higher can change records about them."
            )));
        }
    }
    if author_id != actor_id && author_id != port.bot_user_id() {
        if author_id == guild.owner_id {
            return Ok(Some(
                "That record was made by the server owner; only the owner can change it.".into(),
            ));
        }
        if let Some(author) = port.member(guild_id, author_id).await? {
            if !outranks(guild.top_position(&author)) {
                return Ok(Some(format!(
                    "That record was made by <@{author_id}>, who is ranked at or above you; only someone ranked higher can change it."
                )));
            }
        }
    }
    Ok(None)
}
