use super::common::{reply_result, request};
use crate::discord::checks::require;
use crate::discord::context::{CommandError, Context};
use crate::domain::{ModAction, MuteType};
use serenity::all::User;

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum MuteChoice {
    #[name = "text"]
    Text,
    #[name = "voice"]
    Voice,
    #[name = "both"]
    Both,
}

impl From<MuteChoice> for MuteType {
    fn from(choice: MuteChoice) -> Self {
        match choice {
            MuteChoice::Text => MuteType::Text,
            MuteChoice::Voice => MuteType::Voice,
            MuteChoice::Both => MuteType::Both,
        }
    }
}

/// End a member's mute (every type unless you pick one).
#[poise::command(slash_command, guild_only)]
pub async fn unmute(
    ctx: Context<'_>,
    #[description = "Who to unmute"] user: User,
    #[description = "Which mute to end; all when empty"]
    #[rename = "type"]
    mute_type: Option<MuteChoice>,
    #[description = "Why"]
    #[max_length = 1000]
    reason: Option<String>,
) -> Result<(), CommandError> {
    let guild_id = require(ctx, ModAction::Unmute.required_permission()).await?;
    let req = request(guild_id, ctx, &user, reason, None);
    let result = ctx
        .data()
        .services
        .mutes
        .unmute(req, mute_type.map(MuteType::from))
        .await?;
    reply_result(ctx, &result).await
}
