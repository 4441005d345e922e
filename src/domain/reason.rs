/// Discord accepts at most 512 characters in `X-Audit-Log-Reason`.
pub const AUDIT_REASON_MAX_CHARS: usize = 512;

/// The audit-log reason for an action taken under a case: `[#<case>] <reason>`, cut to Discord's
/// limit on a character boundary (a byte cut could split a multi-byte character and make the
/// header invalid). The `[#n]` prefix is how Gavel recognises its own actions in the audit log.
pub fn audit_reason(case_number: i32, reason: Option<&str>) -> String {
    let text = match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(reason) => format!("[#{case_number}] {reason}"),
        None => format!("[#{case_number}] No reason given"),
    };
    truncate_chars(&text, AUDIT_REASON_MAX_CHARS)
}

/// Parses the case number back out of an audit-log reason Gavel wrote.
pub fn case_number_in_audit_reason(reason: &str) -> Option<i32> {
    let rest = reason.strip_prefix("[#")?;
    let end = rest.find(']')?;
    rest[..end].parse().ok()
}

pub fn truncate_chars(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((byte_index, _)) => {
            let mut cut = text[..byte_index].to_string();
            cut.pop();
            cut.push('…');
            cut
        }
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_the_case_number() {
        assert_eq!(audit_reason(12, Some("spam links")), "[#12] spam links");
        assert_eq!(audit_reason(3, Some("  ")), "[#3] No reason given");
        assert_eq!(audit_reason(3, None), "[#3] No reason given");
        assert_eq!(case_number_in_audit_reason("[#12] spam links"), Some(12));
        assert_eq!(case_number_in_audit_reason("spam [#12]"), None);
    }

    #[test]
    fn truncates_on_a_character_boundary_to_512_characters() {
        let long = "é".repeat(600);
        let reason = audit_reason(7, Some(&long));
        assert_eq!(reason.chars().count(), 512);
        assert!(reason.starts_with("[#7] é"));
        assert!(reason.ends_with('…'));
        let exact = "a".repeat(507);
        assert_eq!(audit_reason(7, Some(&exact)).chars().count(), 512);
        assert!(!audit_reason(7, Some(&exact)).ends_with('…'));
    }
}
