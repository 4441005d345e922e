//! One HTTP request the Discord double received, as the tests and the OpenAPI check see it.

use serde_json::Value;

#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Upper-case HTTP method: "GET", "PUT", ...
    pub method: String,
    /// Path as sent, including the `/api/v10` prefix, e.g. `/api/v10/guilds/1/bans/2`.
    pub path: String,
    /// Decoded query pairs in the order sent.
    pub query: Vec<(String, String)>,
    /// The `X-Audit-Log-Reason` header, percent-decoded.
    pub audit_reason: Option<String>,
    /// The JSON body, if there was one (multipart bodies keep their `payload_json` part here).
    pub body: Option<Value>,
}
