//! Driving the bot the way a Discord client does (slash commands, context menu commands,
//! autocomplete, buttons, select menus and modals, delivered as INTERACTION_CREATE), and
//! reading back what the bot answered.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::gateway::dispatch;
use super::interaction_payloads::{
    chat_input_interaction, component_interaction, context_menu_interaction,
    modal_submit_interaction, Actor, PendingInteraction,
};
use super::rest::snowflake_value;
use super::state::{InteractionRecord, State};
use super::DiscordDouble;

/// What the bot answered to an interaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The callback type: 4 message, 5 deferred (then the final message), 6 deferred update,
    /// 7 update message, 8 autocomplete result, 9 modal.
    pub kind: u8,
    /// The message content, for callbacks that produce or update a message.
    pub content: Option<String>,
    pub embeds: Vec<Value>,
    pub components: Vec<Value>,
    pub ephemeral: bool,
    /// The modal's `data` for a type 9 callback.
    pub modal: Option<Value>,
    /// Autocomplete choices for a type 8 callback.
    pub choices: Vec<Value>,
    /// The message the reply lives in (for pressing its buttons later).
    pub message_id: Option<u64>,
}

/// An interaction sent to the bot; use it to wait for and inspect the bot's answers.
#[derive(Clone)]
pub struct InteractionHandle {
    double: DiscordDouble,
    pub id: u64,
    pub guild_id: u64,
    pub channel_id: u64,
    pub invoker: u64,
}

impl std::fmt::Debug for InteractionHandle {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("InteractionHandle")
            .field("id", &self.id)
            .field("guild_id", &self.guild_id)
            .field("channel_id", &self.channel_id)
            .field("invoker", &self.invoker)
            .finish()
    }
}

impl InteractionHandle {
    /// Waits for the callback. A deferred response (type 5) is followed until the "thinking"
    /// message is replaced (by editing `@original` or by the first follow-up).
    pub async fn reply(&self, timeout: Duration) -> Result<Reply, String> {
        let id = self.id;
        let outcome = self
            .double
            .wait_until(timeout, |state| {
                let record = state.interactions.get(&id)?;
                match &record.callback {
                    Some(callback) if callback.kind == 5 && record.deferred_pending => None,
                    Some(_) => Some(Ok(reply_from(state, record))),
                    None => {
                        if let Some(failure) = &record.callback_failure {
                            return Some(Err(failure.clone()));
                        }
                        let deadline = state.interaction_ack_deadline?;
                        (record.created_at.elapsed() > deadline).then(|| {
                            Err(format!(
                                "the bot did not acknowledge the interaction within Discord's {deadline:?}; \
                                 the user saw \"This interaction failed\""
                            ))
                        })
                    }
                }
            })
            .await;
        outcome.unwrap_or_else(|| {
            let deferred = self.double.read(|state| {
                state
                    .interactions
                    .get(&id)
                    .is_some_and(|record| record.deferred_pending)
            });
            Err(if deferred {
                format!("the bot deferred but did not send its final response within {timeout:?}")
            } else {
                format!("no interaction callback within {timeout:?}")
            })
        })
    }

    /// The current state of the response message (`@original`), if there is one.
    pub fn original_message(&self) -> Option<Value> {
        self.double.read(|state| {
            state
                .interactions
                .get(&self.id)
                .and_then(|record| record.original_message_id)
                .and_then(|id| state.message_json(id))
        })
    }

    /// Follow-up messages in the order they were sent (not counting one that replaced a
    /// deferred response).
    pub fn followups(&self) -> Vec<Value> {
        self.double.read(|state| {
            state
                .interactions
                .get(&self.id)
                .map(|record| {
                    record
                        .followup_ids
                        .iter()
                        .filter_map(|id| state.message_json(*id))
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    pub async fn wait_for_followups(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<Value>, String> {
        let id = self.id;
        self.double
            .wait_until(timeout, |state| {
                let record = state.interactions.get(&id)?;
                (record.followup_ids.len() >= count).then(|| {
                    record
                        .followup_ids
                        .iter()
                        .filter_map(|id| state.message_json(*id))
                        .collect()
                })
            })
            .await
            .ok_or_else(|| {
                format!(
                    "fewer than {count} follow-ups within {timeout:?}: {:?}",
                    self.followups()
                )
            })
    }

    /// Presses a button on this interaction's response message, as the same user.
    pub fn press_button(&self, custom_id: &str) -> InteractionHandle {
        let message_id = self
            .original_message()
            .and_then(|message| snowflake_value(&message["id"]))
            .unwrap_or_else(|| {
                panic!(
                    "interaction {} has no response message with buttons",
                    self.id
                )
            });
        self.double.press_button(
            self.guild_id,
            self.channel_id,
            self.invoker,
            message_id,
            custom_id,
        )
    }

    /// Fills in and submits the modal the bot showed in answer to this interaction.
    pub fn submit_modal(&self, fields: Vec<(&str, &str)>) -> InteractionHandle {
        let custom_id = self
            .double
            .read(|state| {
                state
                    .interactions
                    .get(&self.id)
                    .and_then(|record| record.callback.as_ref())
                    .filter(|callback| callback.kind == 9)
                    .and_then(|callback| callback.data["custom_id"].as_str().map(str::to_string))
            })
            .unwrap_or_else(|| panic!("the bot showed no modal for interaction {}", self.id));
        self.double.submit_modal(
            self.guild_id,
            self.channel_id,
            self.invoker,
            &custom_id,
            fields,
        )
    }
}

fn reply_from(state: &State, record: &InteractionRecord) -> Reply {
    let callback = record
        .callback
        .as_ref()
        .expect("reply_from needs a callback");
    let message = record
        .original_message_id
        .and_then(|id| state.message_json(id));
    let flags = message
        .as_ref()
        .and_then(|message| message["flags"].as_u64())
        .unwrap_or(0);
    let array = |field: &str| -> Vec<Value> {
        message
            .as_ref()
            .and_then(|message| message[field].as_array().cloned())
            .unwrap_or_default()
    };
    Reply {
        kind: callback.kind,
        content: message
            .as_ref()
            .map(|message| message["content"].as_str().unwrap_or_default().to_string()),
        embeds: array("embeds"),
        components: array("components"),
        ephemeral: flags & 64 != 0,
        modal: (callback.kind == 9).then(|| callback.data.clone()),
        choices: callback.data["choices"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
        message_id: message
            .as_ref()
            .and_then(|message| snowflake_value(&message["id"])),
    }
}

/// Registers the interaction and sends INTERACTION_CREATE to the shard owning the guild.
fn deliver(
    double: &DiscordDouble,
    state: &mut State,
    pending: PendingInteraction,
) -> Result<InteractionHandle, String> {
    state.interactions.insert(
        pending.id,
        InteractionRecord {
            id: pending.id,
            token: pending.token,
            kind: pending.kind,
            guild_id: pending.guild_id,
            channel_id: pending.channel_id,
            invoker: pending.invoker,
            source_message_id: pending.source_message_id,
            created_at: Instant::now(),
            callback: None,
            callback_failure: None,
            original_message_id: None,
            deferred_pending: false,
            followup_ids: Vec::new(),
        },
    );
    if dispatch(state, "INTERACTION_CREATE", pending.json) == 0 {
        state.interactions.remove(&pending.id);
        return Err(format!(
            "no gateway session receives guild {}'s events: start the bot and wait_for_identify first",
            pending.guild_id
        ));
    }
    Ok(InteractionHandle {
        double: double.clone(),
        id: pending.id,
        guild_id: pending.guild_id,
        channel_id: pending.channel_id,
        invoker: pending.invoker,
    })
}

impl DiscordDouble {
    fn send_interaction(
        &self,
        build: impl FnOnce(&mut State) -> Result<PendingInteraction, String>,
    ) -> Result<InteractionHandle, String> {
        self.update(|state| {
            let pending = build(state)?;
            deliver(self, state, pending)
        })
    }

    /// A member runs a slash command: `command` is the command name followed by subcommand
    /// group / subcommand names ("mod ban"); `options` are the leaf options, typed from the
    /// registered schema (user, role and channel options take ids; attachments take
    /// `{"filename", "size"}`). Errors say why a Discord client could not do this.
    pub fn try_invoke_command(
        &self,
        guild_id: u64,
        channel_id: u64,
        invoker: u64,
        command: &str,
        options: Vec<(&str, Value)>,
    ) -> Result<InteractionHandle, String> {
        let actor = Actor {
            guild_id,
            channel_id,
            user_id: invoker,
        };
        self.send_interaction(|state| chat_input_interaction(state, actor, command, options, None))
    }

    /// [`Self::try_invoke_command`], panicking with the reason if a client could not do it.
    pub fn invoke_command(
        &self,
        guild_id: u64,
        channel_id: u64,
        invoker: u64,
        command: &str,
        options: Vec<(&str, Value)>,
    ) -> InteractionHandle {
        self.try_invoke_command(guild_id, channel_id, invoker, command, options)
            .unwrap_or_else(|error| panic!("invoke_command(\"{command}\"): {error}"))
    }

    /// The member is typing into `focused`; `options` holds what is filled in so far, including
    /// the partial text of the focused option.
    pub fn autocomplete(
        &self,
        guild_id: u64,
        channel_id: u64,
        invoker: u64,
        command: &str,
        options: Vec<(&str, Value)>,
        focused: &str,
    ) -> InteractionHandle {
        let actor = Actor {
            guild_id,
            channel_id,
            user_id: invoker,
        };
        self.send_interaction(|state| {
            chat_input_interaction(state, actor, command, options, Some(focused))
        })
        .unwrap_or_else(|error| panic!("autocomplete(\"{command}\"): {error}"))
    }

    /// A member uses a message context menu command ("Capture Evidence") on a stored message.
    pub fn invoke_message_command(
        &self,
        guild_id: u64,
        channel_id: u64,
        invoker: u64,
        name: &str,
        target_message: u64,
    ) -> InteractionHandle {
        let actor = Actor {
            guild_id,
            channel_id,
            user_id: invoker,
        };
        self.send_interaction(|state| {
            context_menu_interaction(state, actor, name, 3, target_message)
        })
        .unwrap_or_else(|error| panic!("invoke_message_command(\"{name}\"): {error}"))
    }

    /// A member presses the button `custom_id` on message `message_id`.
    pub fn press_button(
        &self,
        guild_id: u64,
        channel_id: u64,
        invoker: u64,
        message_id: u64,
        custom_id: &str,
    ) -> InteractionHandle {
        let actor = Actor {
            guild_id,
            channel_id,
            user_id: invoker,
        };
        self.send_interaction(|state| {
            component_interaction(state, actor, message_id, custom_id, None)
        })
        .unwrap_or_else(|error| panic!("press_button(\"{custom_id}\"): {error}"))
    }

    /// A member picks `values` in the select menu `custom_id` on message `message_id`.
    pub fn select_option(
        &self,
        guild_id: u64,
        channel_id: u64,
        invoker: u64,
        message_id: u64,
        custom_id: &str,
        values: Vec<&str>,
    ) -> InteractionHandle {
        let actor = Actor {
            guild_id,
            channel_id,
            user_id: invoker,
        };
        self.send_interaction(|state| {
            component_interaction(state, actor, message_id, custom_id, Some(values))
        })
        .unwrap_or_else(|error| panic!("select_option(\"{custom_id}\"): {error}"))
    }

    /// A member submits the modal `custom_id` the bot showed earlier. Every text input of the
    /// modal is sent (unfilled ones as ""); required inputs must be in `fields`.
    pub fn submit_modal(
        &self,
        guild_id: u64,
        channel_id: u64,
        invoker: u64,
        custom_id: &str,
        fields: Vec<(&str, &str)>,
    ) -> InteractionHandle {
        let actor = Actor {
            guild_id,
            channel_id,
            user_id: invoker,
        };
        self.send_interaction(|state| modal_submit_interaction(state, actor, custom_id, fields))
            .unwrap_or_else(|error| panic!("submit_modal(\"{custom_id}\"): {error}"))
    }
}
