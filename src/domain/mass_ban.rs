//! `/mod massban`: reading a list of users as moderators paste it, the batch limits, and the
//! audit-log reason of one bulk-ban call.

use super::reason::{truncate_chars, AUDIT_REASON_MAX_CHARS};

/// The most users one mass ban takes (five bulk-ban calls).
pub const MAX_MASS_BAN_USERS: usize = 1000;
/// Discord's bulk-ban endpoint takes at most this many users a call.
pub const BULK_BAN_CHUNK: usize = 200;
/// How long a previewed batch waits for Confirm.
pub const BATCH_TTL_MINUTES: i64 = 15;

/// What a pasted list of users held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserList {
    /// Distinct user ids, in the order first given.
    pub ids: Vec<u64>,
    /// Ids given more than once (each repeat counted).
    pub duplicates: usize,
    /// Tokens that are neither an id nor a user mention, as given.
    pub invalid: Vec<String>,
}

/// Reads user ids and mentions (`123…`, `<@123…>`, `<@!123…>`) separated by spaces, commas,
/// semicolons or new lines. Role and channel mentions and anything else are invalid tokens.
pub fn parse_user_list(text: &str) -> UserList {
    let mut list = UserList::default();
    let mut seen = std::collections::HashSet::new();
    for token in text
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|t| !t.is_empty())
    {
        match user_id(token) {
            Some(id) if seen.insert(id) => list.ids.push(id),
            Some(_) => list.duplicates += 1,
            None => list.invalid.push(token.to_string()),
        }
    }
    list
}

/// A Discord user id (a snowflake: 15 to 20 digits, not zero, within 63 bits) or a user
/// mention.
fn user_id(token: &str) -> Option<u64> {
    let digits = match token.strip_prefix("<@") {
        Some(rest) => rest.strip_suffix('>')?.trim_start_matches('!'),
        None => token,
    };
    if !(15..=20).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits
        .parse()
        .ok()
        .filter(|id| *id != 0 && *id <= i64::MAX as u64)
}

/// A batch's short name, as moderators see it and the audit log records it.
pub fn batch_label(batch_id: &uuid::Uuid) -> String {
    batch_id.simple().to_string()[..8].to_string()
}

/// The audit-log reason of one bulk-ban call (Discord takes one reason a call):
/// `[batch <label> #first-#last] <reason>`, cut to Discord's 512 characters.
pub fn batch_audit_reason(
    batch_id: &uuid::Uuid,
    first_case: i32,
    last_case: i32,
    reason: Option<&str>,
) -> String {
    let cases = if first_case == last_case {
        format!("#{first_case}")
    } else {
        format!("#{first_case}-#{last_case}")
    };
    let reason = reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .unwrap_or("No reason given");
    truncate_chars(
        &format!("[batch {} {cases}] {reason}", batch_label(batch_id)),
        AUDIT_REASON_MAX_CHARS,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: u64 = 100_000_000_000_000_020;
    const B: u64 = 100_000_000_000_000_021;
    const C: u64 = 100_000_000_000_000_030;

    #[test]
    fn reads_ids_and_mentions_across_spaces_commas_and_new_lines() {
        let text = format!("{A}, <@{B}>\n<@!{C}>;{A}  <@{B}>,,\r\n");
        let list = parse_user_list(&text);
        assert_eq!(list.ids, vec![A, B, C]);
        assert_eq!(list.duplicates, 2);
        assert!(list.invalid.is_empty(), "{:?}", list.invalid);
    }

    #[test]
    fn junk_role_and_channel_mentions_are_invalid_tokens() {
        let text = format!("hello <@&{A}> <#{B}> 12345 {C}x <@{C} -{A} 0000000000000000 {C}");
        let list = parse_user_list(&text);
        assert_eq!(list.ids, vec![C]);
        assert_eq!(
            list.invalid,
            vec![
                "hello".to_string(),
                format!("<@&{A}>"),
                format!("<#{B}>"),
                "12345".into(),
                format!("{C}x"),
                format!("<@{C}"),
                format!("-{A}"),
                "0000000000000000".into(),
            ]
        );
        assert_eq!(parse_user_list("  \n ,, ").ids, Vec::<u64>::new());
        // Beyond the 63 bits a snowflake uses.
        assert!(parse_user_list("9999999999999999999").ids.is_empty());
        assert!(parse_user_list("99999999999999999999").ids.is_empty());
    }

    #[test]
    fn the_audit_reason_names_the_batch_and_its_cases_within_512_characters() {
        let id = uuid::Uuid::parse_str("3f2a9c1e-0000-4000-8000-000000000000").unwrap();
        assert_eq!(
            batch_audit_reason(&id, 101, 300, Some("raid wave")),
            "[batch 3f2a9c1e #101-#300] raid wave"
        );
        assert_eq!(
            batch_audit_reason(&id, 7, 7, None),
            "[batch 3f2a9c1e #7] No reason given"
        );
        let long = "é".repeat(600);
        assert_eq!(
            batch_audit_reason(&id, 1, 2, Some(&long)).chars().count(),
            512
        );
    }
}
