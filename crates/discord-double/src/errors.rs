//! Discord's JSON error responses: `{"message": ..., "code": ...}`, plus `errors` for form bodies.

use serde_json::{json, Map, Value};

pub const UNKNOWN_CHANNEL: u32 = 10003;
pub const UNKNOWN_GUILD: u32 = 10004;
pub const UNKNOWN_MEMBER: u32 = 10007;
pub const UNKNOWN_MESSAGE: u32 = 10008;
pub const UNKNOWN_ROLE: u32 = 10011;
pub const UNKNOWN_USER: u32 = 10013;
pub const UNKNOWN_WEBHOOK: u32 = 10015;
pub const UNKNOWN_BAN: u32 = 10026;
pub const UNKNOWN_INTERACTION: u32 = 10062;
pub const NOT_AUTHORIZED_FOR_APPLICATION: u32 = 20012;
pub const ALREADY_ACKNOWLEDGED: u32 = 40060;
pub const MISSING_ACCESS: u32 = 50001;
pub const CANNOT_EDIT_OTHERS_MESSAGE: u32 = 50005;
pub const EMPTY_MESSAGE: u32 = 50006;
pub const CANNOT_SEND_TO_USER: u32 = 50007;
pub const MISSING_PERMISSIONS: u32 = 50013;
pub const BULK_DELETE_TOO_OLD: u32 = 50034;
pub const INVALID_FORM_BODY: u32 = 50035;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub code: u32,
    pub message: String,
    /// Discord's nested `errors` object, present for 50035 "Invalid Form Body".
    pub errors: Option<Value>,
}

impl ApiError {
    pub fn new(status: u16, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            errors: None,
        }
    }

    pub fn not_found(code: u32, message: &str) -> Self {
        Self::new(404, code, message)
    }

    pub fn unknown_guild() -> Self {
        Self::not_found(UNKNOWN_GUILD, "Unknown Guild")
    }

    pub fn unknown_member() -> Self {
        Self::not_found(UNKNOWN_MEMBER, "Unknown Member")
    }

    pub fn unknown_user() -> Self {
        Self::not_found(UNKNOWN_USER, "Unknown User")
    }

    pub fn unknown_role() -> Self {
        Self::not_found(UNKNOWN_ROLE, "Unknown Role")
    }

    pub fn unknown_channel() -> Self {
        Self::not_found(UNKNOWN_CHANNEL, "Unknown Channel")
    }

    pub fn unknown_message() -> Self {
        Self::not_found(UNKNOWN_MESSAGE, "Unknown Message")
    }

    pub fn unknown_webhook() -> Self {
        Self::not_found(UNKNOWN_WEBHOOK, "Unknown Webhook")
    }

    pub fn unknown_interaction() -> Self {
        Self::not_found(UNKNOWN_INTERACTION, "Unknown interaction")
    }

    pub fn missing_permissions() -> Self {
        Self::new(403, MISSING_PERMISSIONS, "Missing Permissions")
    }

    pub fn missing_access() -> Self {
        Self::new(403, MISSING_ACCESS, "Missing Access")
    }

    pub fn unauthorized() -> Self {
        Self::new(401, 0, "401: Unauthorized")
    }

    /// A 400 "Invalid Form Body" whose `errors` point at `path` (dot separated, as Discord
    /// nests them: `embeds.0.description`).
    pub fn invalid_form(path: &str, error_code: &str, message: impl Into<String>) -> Self {
        let mut errors = json!({ "_errors": [{ "code": error_code, "message": message.into() }] });
        for key in path.rsplit('.').filter(|key| !key.is_empty()) {
            let mut parent = Map::new();
            parent.insert(key.to_string(), errors);
            errors = Value::Object(parent);
        }
        Self {
            status: 400,
            code: INVALID_FORM_BODY,
            message: "Invalid Form Body".to_string(),
            errors: Some(errors),
        }
    }

    /// The first detailed message of a form-body error, or the top-level message.
    pub fn detail(&self) -> String {
        fn first(value: &Value, path: &mut Vec<String>) -> Option<String> {
            let object = value.as_object()?;
            if let Some(message) = object
                .get("_errors")
                .and_then(|errors| errors.get(0))
                .and_then(|error| error.get("message"))
                .and_then(Value::as_str)
            {
                return Some(format!("{}: {message}", path.join(".")));
            }
            for (key, child) in object {
                path.push(key.clone());
                if let Some(found) = first(child, path) {
                    return Some(found);
                }
                path.pop();
            }
            None
        }
        self.errors
            .as_ref()
            .and_then(|errors| first(errors, &mut Vec::new()))
            .map(|detail| format!("{} ({detail})", self.message))
            .unwrap_or_else(|| self.message.clone())
    }

    pub fn body(&self) -> Value {
        let mut body = json!({ "message": self.message, "code": self.code });
        if let Some(errors) = &self.errors {
            body["errors"] = errors.clone();
        }
        if self.status == 429 {
            body["retry_after"] = json!(0.0);
            body["global"] = json!(false);
        }
        body
    }
}
