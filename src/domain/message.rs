//! Messages Gavel sends (DMs, mod-log posts), independent of any Discord library.

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OutgoingMessage {
    pub content: Option<String>,
    pub embeds: Vec<Embed>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Embed {
    pub title: Option<String>,
    pub description: Option<String>,
    pub color: Option<u32>,
    pub fields: Vec<EmbedField>,
    pub footer: Option<String>,
    pub timestamp: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmbedField {
    pub name: String,
    pub value: String,
    pub inline: bool,
}

impl Embed {
    pub fn field(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
        inline: bool,
    ) -> Self {
        self.fields.push(EmbedField {
            name: name.into(),
            value: value.into(),
            inline,
        });
        self
    }
}

impl OutgoingMessage {
    pub fn embed(embed: Embed) -> Self {
        OutgoingMessage {
            content: None,
            embeds: vec![embed],
        }
    }
}
