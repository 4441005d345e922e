//! Durations as moderators type them: `30s`, `10m`, `1h30m`, `7d`, `2w`, `1mo`.

use std::time::Duration;

/// The longest duration accepted; anything longer is almost certainly a typo, and a permanent
/// action should be a ban, not a very long tempban.
pub const MAX_DURATION: Duration = Duration::from_secs(5 * 365 * 86_400);

pub const ACCEPTED_FORMS: &str =
    "a number and a unit, e.g. 30s, 10m, 1h30m, 7d, 2w or 1mo (units: s, m, h, d, w, mo; up to 5 years)";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a valid duration: {problem}. Use {ACCEPTED_FORMS}.")]
pub struct DurationError {
    pub input: String,
    pub problem: &'static str,
}

fn unit_seconds(unit: &str) -> Option<u64> {
    Some(match unit {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600,
        "d" | "day" | "days" => 86_400,
        "w" | "wk" | "wks" | "week" | "weeks" => 7 * 86_400,
        "mo" | "month" | "months" => 30 * 86_400,
        _ => return None,
    })
}

pub fn parse_duration(input: &str) -> Result<Duration, DurationError> {
    let fail = |problem| DurationError {
        input: input.to_string(),
        problem,
    };
    let text = input.trim().to_ascii_lowercase();
    if text.is_empty() {
        return Err(fail("it is empty"));
    }
    if text.starts_with('-') {
        return Err(fail("it is negative"));
    }
    let mut total: u64 = 0;
    let mut rest = text.as_str();
    while !rest.is_empty() {
        rest = rest.trim_start();
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(fail("each part must start with a number"));
        }
        let amount: u64 = rest[..digits]
            .parse()
            .map_err(|_| fail("a number is too large"))?;
        rest = rest[digits..].trim_start();
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        if unit_len == 0 {
            return Err(fail("a number has no unit"));
        }
        let unit = unit_seconds(&rest[..unit_len]).ok_or_else(|| fail("it has an unknown unit"))?;
        rest = &rest[unit_len..];
        total = amount
            .checked_mul(unit)
            .and_then(|part| total.checked_add(part))
            .ok_or_else(|| fail("it is too long"))?;
    }
    if total == 0 {
        return Err(fail("it is zero"));
    }
    let duration = Duration::from_secs(total);
    if duration > MAX_DURATION {
        return Err(fail("it is longer than 5 years"));
    }
    Ok(duration)
}

/// The shortest readable form: 5400 s → "1h 30m".
pub fn format_duration(duration: Duration) -> String {
    let mut secs = duration.as_secs();
    if secs == 0 {
        return "0s".into();
    }
    let mut parts = Vec::new();
    for (unit, size) in [
        ("w", 7 * 86_400),
        ("d", 86_400),
        ("h", 3_600),
        ("m", 60),
        ("s", 1),
    ] {
        if secs >= size {
            parts.push(format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(input: &str) -> u64 {
        parse_duration(input).unwrap().as_secs()
    }

    #[test]
    fn accepts_the_forms_moderators_type() {
        assert_eq!(secs("30s"), 30);
        assert_eq!(secs("10m"), 600);
        assert_eq!(secs("1h30m"), 5_400);
        assert_eq!(secs("1h 30m"), 5_400);
        assert_eq!(secs("7d"), 604_800);
        assert_eq!(secs("2w"), 1_209_600);
        assert_eq!(secs("1mo"), 2_592_000);
        assert_eq!(secs(" 1MO2D "), 2_592_000 + 172_800);
        assert_eq!(secs("90 minutes"), 5_400);
    }

    #[test]
    fn rejects_zero_negative_overflow_and_garbage_saying_what_is_accepted() {
        for (input, problem) in [
            ("0s", "it is zero"),
            ("0h0m", "it is zero"),
            ("-5m", "it is negative"),
            ("", "it is empty"),
            ("   ", "it is empty"),
            ("10", "a number has no unit"),
            ("h", "each part must start with a number"),
            ("5y", "it has an unknown unit"),
            ("1.5h", "a number has no unit"),
            ("99999999999999999999999s", "a number is too large"),
            ("18446744073709551615w", "it is too long"),
            ("61mo", "it is longer than 5 years"),
            ("ten minutes", "each part must start with a number"),
        ] {
            let err = parse_duration(input).unwrap_err();
            assert_eq!(err.problem, problem, "input {input:?}");
            assert!(err.to_string().contains("30s, 10m, 1h30m"), "{err}");
        }
    }

    #[test]
    fn formats_compactly() {
        assert_eq!(format_duration(Duration::from_secs(5_400)), "1h 30m");
        assert_eq!(format_duration(Duration::from_secs(604_800)), "1w");
        assert_eq!(format_duration(Duration::from_secs(90_061)), "1d 1h 1m 1s");
    }
}
