//! Discord's limits on what a bot sends: message content, embeds, components, modals,
//! autocomplete choices and command definitions. Breaking one is a 400 "Invalid Form Body".

use std::collections::HashSet;

use serde_json::Value;

use super::errors::{ApiError, EMPTY_MESSAGE};

const MAX_CONTENT: usize = 2000;
const MAX_EMBEDS: usize = 10;
const MAX_EMBED_TOTAL: usize = 6000;
const MAX_ACTION_ROWS: usize = 5;
const MAX_ROW_COMPONENTS: usize = 5;
const MAX_CUSTOM_ID: usize = 100;

fn length(value: &Value) -> usize {
    value.as_str().map_or(0, |text| text.chars().count())
}

fn too_long(path: &str, max: usize) -> ApiError {
    ApiError::invalid_form(
        path,
        "BASE_TYPE_MAX_LENGTH",
        format!("Must be {max} or fewer in length."),
    )
}

fn required(path: &str) -> ApiError {
    ApiError::invalid_form(path, "BASE_TYPE_REQUIRED", "This field is required")
}

fn check_length(value: &Value, path: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let count = length(value);
    if value.is_null() || count < min {
        if min > 0 {
            return Err(required(path));
        }
    } else if count > max {
        return Err(too_long(path, max));
    }
    Ok(())
}

fn array<'a>(value: &'a Value, path: &str, max: usize) -> Result<&'a [Value], ApiError> {
    let items = match value {
        Value::Null => &[][..],
        Value::Array(items) => items.as_slice(),
        _ => {
            return Err(ApiError::invalid_form(
                path,
                "LIST_TYPE_CONVERT",
                "Only iterables may be used in a ListType",
            ))
        }
    };
    if items.len() > max {
        return Err(too_long(path, max));
    }
    Ok(items)
}

/// A message body for create, edit, interaction response or follow-up. `files` counts uploads.
pub fn message_payload(payload: &Value, files: usize, editing: bool) -> Result<(), ApiError> {
    check_length(&payload["content"], "content", 0, MAX_CONTENT)?;
    let embeds = array(&payload["embeds"], "embeds", MAX_EMBEDS)?;
    let mut embed_total = 0;
    for (index, embed) in embeds.iter().enumerate() {
        embed_total += embed_payload(embed, &format!("embeds.{index}"))?;
    }
    if embed_total > MAX_EMBED_TOTAL {
        return Err(ApiError::invalid_form(
            "embeds",
            "MAX_EMBED_SIZE_EXCEEDED",
            format!("Embed size exceeds maximum size of {MAX_EMBED_TOTAL}"),
        ));
    }
    let components = array(&payload["components"], "components", MAX_ACTION_ROWS)?;
    message_components(components)?;
    let has_stickers = payload["sticker_ids"]
        .as_array()
        .is_some_and(|ids| !ids.is_empty());
    let is_empty = length(&payload["content"]) == 0
        && embeds.is_empty()
        && components.is_empty()
        && files == 0
        && !has_stickers
        && payload["poll"].is_null();
    if is_empty && !editing {
        return Err(ApiError::new(
            400,
            EMPTY_MESSAGE,
            "Cannot send an empty message",
        ));
    }
    Ok(())
}

/// Validates one embed and returns how many characters it counts toward the 6000 total.
fn embed_payload(embed: &Value, path: &str) -> Result<usize, ApiError> {
    check_length(&embed["title"], &format!("{path}.title"), 0, 256)?;
    check_length(
        &embed["description"],
        &format!("{path}.description"),
        0,
        4096,
    )?;
    check_length(
        &embed["footer"]["text"],
        &format!("{path}.footer.text"),
        0,
        2048,
    )?;
    check_length(
        &embed["author"]["name"],
        &format!("{path}.author.name"),
        0,
        256,
    )?;
    if embed["color"]
        .as_u64()
        .is_some_and(|color| color > 0xFF_FFFF)
    {
        return Err(ApiError::invalid_form(
            &format!("{path}.color"),
            "NUMBER_TYPE_MAX",
            "int value should be less than or equal to 16777215.",
        ));
    }
    let fields = array(&embed["fields"], &format!("{path}.fields"), 25)?;
    let mut total = length(&embed["title"])
        + length(&embed["description"])
        + length(&embed["footer"]["text"])
        + length(&embed["author"]["name"]);
    for (index, field) in fields.iter().enumerate() {
        check_length(
            &field["name"],
            &format!("{path}.fields.{index}.name"),
            1,
            256,
        )?;
        check_length(
            &field["value"],
            &format!("{path}.fields.{index}.value"),
            1,
            1024,
        )?;
        total += length(&field["name"]) + length(&field["value"]);
    }
    Ok(total)
}

fn message_components(rows: &[Value]) -> Result<(), ApiError> {
    let mut custom_ids = HashSet::new();
    for (row_index, row) in rows.iter().enumerate() {
        let path = format!("components.{row_index}");
        if row["type"].as_u64() != Some(1) {
            return Err(ApiError::invalid_form(
                &format!("{path}.type"),
                "UNION_TYPE_CHOICES",
                "Top-level message components must be action rows (type 1).",
            ));
        }
        let children = array(
            &row["components"],
            &format!("{path}.components"),
            MAX_ROW_COMPONENTS,
        )?;
        if children.is_empty() {
            return Err(ApiError::invalid_form(
                &format!("{path}.components"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 5 in length.",
            ));
        }
        let has_select = children
            .iter()
            .any(|child| matches!(child["type"].as_u64(), Some(3 | 5..=8)));
        if has_select && children.len() > 1 {
            return Err(ApiError::invalid_form(
                &format!("{path}.components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            ));
        }
        for (index, component) in children.iter().enumerate() {
            let path = format!("{path}.components.{index}");
            match component["type"].as_u64() {
                Some(2) => button(component, &path)?,
                Some(3 | 5..=8) => select_menu(component, &path)?,
                _ => {
                    return Err(ApiError::invalid_form(
                        &format!("{path}.type"),
                        "UNION_TYPE_CHOICES",
                        "Value of field \"type\" must be one of (2, 3, 5, 6, 7, 8).",
                    ))
                }
            }
            if let Some(custom_id) = component["custom_id"].as_str() {
                if !custom_ids.insert(custom_id.to_string()) {
                    return Err(ApiError::invalid_form(
                        &format!("{path}.custom_id"),
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    ));
                }
            }
        }
    }
    Ok(())
}

fn button(component: &Value, path: &str) -> Result<(), ApiError> {
    let style = component["style"].as_u64().unwrap_or(0);
    if !(1..=6).contains(&style) {
        return Err(ApiError::invalid_form(
            &format!("{path}.style"),
            "BASE_TYPE_CHOICES",
            "Value must be one of (1, 2, 3, 4, 5, 6).",
        ));
    }
    check_length(&component["label"], &format!("{path}.label"), 0, 80)?;
    if style == 5 {
        check_length(&component["url"], &format!("{path}.url"), 1, 512)?;
        if !component["custom_id"].is_null() {
            return Err(ApiError::invalid_form(
                &format!("{path}.custom_id"),
                "BUTTON_COMPONENT_CUSTOM_ID_WITH_URL",
                "A custom id and url cannot both be specified",
            ));
        }
    } else if style != 6 {
        check_length(
            &component["custom_id"],
            &format!("{path}.custom_id"),
            1,
            MAX_CUSTOM_ID,
        )?;
    }
    Ok(())
}

fn select_menu(component: &Value, path: &str) -> Result<(), ApiError> {
    check_length(
        &component["custom_id"],
        &format!("{path}.custom_id"),
        1,
        MAX_CUSTOM_ID,
    )?;
    check_length(
        &component["placeholder"],
        &format!("{path}.placeholder"),
        0,
        150,
    )?;
    for bound in ["min_values", "max_values"] {
        if component[bound].as_u64().is_some_and(|value| value > 25) {
            return Err(ApiError::invalid_form(
                &format!("{path}.{bound}"),
                "NUMBER_TYPE_MAX",
                "int value should be less than or equal to 25.",
            ));
        }
    }
    if component["type"].as_u64() == Some(3) {
        let options = array(&component["options"], &format!("{path}.options"), 25)?;
        if options.is_empty() {
            return Err(required(&format!("{path}.options")));
        }
        for (index, option) in options.iter().enumerate() {
            check_length(
                &option["label"],
                &format!("{path}.options.{index}.label"),
                1,
                100,
            )?;
            check_length(
                &option["value"],
                &format!("{path}.options.{index}.value"),
                1,
                100,
            )?;
            check_length(
                &option["description"],
                &format!("{path}.options.{index}.description"),
                0,
                100,
            )?;
        }
    }
    Ok(())
}

/// The `data` of a type 9 (modal) interaction response.
pub fn modal(data: &Value) -> Result<(), ApiError> {
    check_length(&data["title"], "data.title", 1, 45)?;
    check_length(&data["custom_id"], "data.custom_id", 1, MAX_CUSTOM_ID)?;
    let rows = array(&data["components"], "data.components", MAX_ACTION_ROWS)?;
    if rows.is_empty() {
        return Err(required("data.components"));
    }
    for (row_index, row) in rows.iter().enumerate() {
        let path = format!("data.components.{row_index}");
        let inputs = array(&row["components"], &format!("{path}.components"), 1)?;
        let Some(input) = inputs.first().filter(|_| row["type"].as_u64() == Some(1)) else {
            return Err(ApiError::invalid_form(
                &path,
                "MODAL_ROW_INVALID",
                "Each modal row must be an action row holding exactly one text input.",
            ));
        };
        let path = format!("{path}.components.0");
        if input["type"].as_u64() != Some(4) {
            return Err(ApiError::invalid_form(
                &format!("{path}.type"),
                "UNION_TYPE_CHOICES",
                "Modal components must be text inputs (type 4).",
            ));
        }
        check_length(
            &input["custom_id"],
            &format!("{path}.custom_id"),
            1,
            MAX_CUSTOM_ID,
        )?;
        check_length(&input["label"], &format!("{path}.label"), 1, 45)?;
        check_length(
            &input["placeholder"],
            &format!("{path}.placeholder"),
            0,
            100,
        )?;
        check_length(&input["value"], &format!("{path}.value"), 0, 4000)?;
        if !matches!(input["style"].as_u64(), Some(1 | 2)) {
            return Err(ApiError::invalid_form(
                &format!("{path}.style"),
                "BASE_TYPE_CHOICES",
                "Value must be one of (1, 2).",
            ));
        }
        for (bound, min) in [("min_length", 0), ("max_length", 1)] {
            if input[bound]
                .as_u64()
                .is_some_and(|value| value < min || value > 4000)
            {
                return Err(ApiError::invalid_form(
                    &format!("{path}.{bound}"),
                    "NUMBER_TYPE_MAX",
                    format!("int value should be between {min} and 4000."),
                ));
            }
        }
    }
    Ok(())
}

/// The `data.choices` of a type 8 (autocomplete result) response.
pub fn autocomplete_choices(data: &Value) -> Result<(), ApiError> {
    let choices = array(&data["choices"], "data.choices", 25)?;
    for (index, choice) in choices.iter().enumerate() {
        check_length(
            &choice["name"],
            &format!("data.choices.{index}.name"),
            1,
            100,
        )?;
        if choice["value"].is_string() {
            check_length(
                &choice["value"],
                &format!("data.choices.{index}.value"),
                1,
                100,
            )?;
        } else if !choice["value"].is_number() {
            return Err(required(&format!("data.choices.{index}.value")));
        }
    }
    Ok(())
}

/// A full command list for a bulk overwrite (`PUT .../commands`).
pub fn command_list(commands: &Value) -> Result<(), ApiError> {
    let commands = commands.as_array().ok_or_else(|| {
        ApiError::invalid_form(
            "",
            "LIST_TYPE_CONVERT",
            "Only iterables may be used in a ListType",
        )
    })?;
    let mut seen = HashSet::new();
    for (index, command) in commands.iter().enumerate() {
        let kind = command["type"].as_u64().unwrap_or(1);
        let path = index.to_string();
        let name = command["name"].as_str().unwrap_or_default();
        if !seen.insert((kind, name.to_string())) {
            return Err(ApiError::invalid_form(
                &format!("{path}.name"),
                "APPLICATION_COMMAND_NAME_ALREADY_EXISTS",
                "Application command names must be unique",
            ));
        }
        if kind == 1 {
            chat_input_name(&command["name"], &format!("{path}.name"))?;
            check_length(
                &command["description"],
                &format!("{path}.description"),
                1,
                100,
            )?;
            option_list(&command["options"], &format!("{path}.options"), 0)?;
        } else {
            check_length(&command["name"], &format!("{path}.name"), 1, 32)?;
            if length(&command["description"]) > 0 {
                return Err(ApiError::invalid_form(
                    &format!("{path}.description"),
                    "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
                    "Context menu commands cannot have description",
                ));
            }
        }
    }
    Ok(())
}

fn chat_input_name(name: &Value, path: &str) -> Result<(), ApiError> {
    check_length(name, path, 1, 32)?;
    let valid = name.as_str().unwrap_or_default().chars().all(|character| {
        (character.is_alphanumeric() || matches!(character, '-' | '_' | '\''))
            && !character.is_uppercase()
    });
    if valid {
        Ok(())
    } else {
        Err(ApiError::invalid_form(
            path,
            "APPLICATION_COMMAND_INVALID_NAME",
            "Command name is invalid: lowercase letters, digits, '-' and '_' only",
        ))
    }
}

/// `depth` is 0 for a command's options, 1 inside a subcommand group, 2 inside a subcommand.
fn option_list(options: &Value, path: &str, depth: u8) -> Result<(), ApiError> {
    let options = array(options, path, 25)?;
    let mut names = HashSet::new();
    let mut seen_optional = false;
    let is_subcommand = |option: &Value| matches!(option["type"].as_u64(), Some(1 | 2));
    let subcommands = options
        .iter()
        .filter(|option| is_subcommand(option))
        .count();
    if subcommands != 0 && subcommands != options.len() {
        return Err(ApiError::invalid_form(
            path,
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Sub-commands and sub-command groups cannot be mixed with other option types",
        ));
    }
    for (index, option) in options.iter().enumerate() {
        let path = format!("{path}.{index}");
        let kind = option["type"].as_u64().unwrap_or(0);
        chat_input_name(&option["name"], &format!("{path}.name"))?;
        check_length(
            &option["description"],
            &format!("{path}.description"),
            1,
            100,
        )?;
        if !names.insert(option["name"].as_str().unwrap_or_default().to_string()) {
            return Err(ApiError::invalid_form(
                &format!("{path}.name"),
                "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            ));
        }
        let allowed = match depth {
            0 => (1..=11).contains(&kind),
            1 => kind == 1,
            _ => (3..=11).contains(&kind),
        };
        if !allowed {
            return Err(ApiError::invalid_form(
                &format!("{path}.type"),
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                format!("Option type {kind} is not allowed here"),
            ));
        }
        match kind {
            1 => option_list(&option["options"], &format!("{path}.options"), 2)?,
            2 => option_list(&option["options"], &format!("{path}.options"), 1)?,
            _ => {
                let is_required = option["required"].as_bool().unwrap_or(false);
                if is_required && seen_optional {
                    return Err(ApiError::invalid_form(
                        &format!("{path}.required"),
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    ));
                }
                seen_optional |= !is_required;
                let choices = array(&option["choices"], &format!("{path}.choices"), 25)?;
                if !choices.is_empty() && option["autocomplete"].as_bool() == Some(true) {
                    return Err(ApiError::invalid_form(
                        &format!("{path}.autocomplete"),
                        "APPLICATION_COMMAND_AUTOCOMPLETE_CHOICES",
                        "Autocomplete cannot be enabled on options that have choices",
                    ));
                }
                for (choice_index, choice) in choices.iter().enumerate() {
                    let choice_path = format!("{path}.choices.{choice_index}");
                    check_length(&choice["name"], &format!("{choice_path}.name"), 1, 100)?;
                    if choice["value"].is_string() {
                        check_length(&choice["value"], &format!("{choice_path}.value"), 1, 100)?;
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn message_limits_are_enforced() {
        assert!(message_payload(&json!({ "content": "hi" }), 0, false).is_ok());
        assert_eq!(
            message_payload(&json!({}), 0, false).unwrap_err().code,
            EMPTY_MESSAGE
        );
        assert!(message_payload(&json!({}), 1, false).is_ok());
        let long = "x".repeat(2001);
        assert!(message_payload(&json!({ "content": long }), 0, false).is_err());
        let error = message_payload(
            &json!({ "embeds": [{ "description": "d".repeat(4097) }] }),
            0,
            false,
        )
        .unwrap_err();
        assert!(
            error.detail().contains("embeds.0.description"),
            "{}",
            error.detail()
        );
        let empty_field = json!({ "embeds": [{ "fields": [{ "name": "a", "value": "" }] }] });
        assert!(message_payload(&empty_field, 0, false).is_err());
        let big = json!({ "embeds": [
            { "description": "d".repeat(4000) }, { "description": "d".repeat(2001) }
        ] });
        assert!(message_payload(&big, 0, false).is_err());
    }

    #[test]
    fn component_limits_are_enforced() {
        let button = |id: &str| json!({ "type": 2, "style": 1, "custom_id": id, "label": "ok" });
        let ok = json!({ "components": [{ "type": 1, "components": [button("a"), button("b")] }] });
        assert!(message_payload(&ok, 0, false).is_ok());
        let duplicate =
            json!({ "components": [{ "type": 1, "components": [button("a"), button("a")] }] });
        assert!(message_payload(&duplicate, 0, false).is_err());
        let long_id =
            json!({ "components": [{ "type": 1, "components": [button(&"x".repeat(101))] }] });
        assert!(message_payload(&long_id, 0, false).is_err());
        let bare_button = json!({ "components": [button("a")] });
        assert!(message_payload(&bare_button, 0, false).is_err());
    }

    #[test]
    fn command_definitions_are_checked() {
        let good = json!([{ "name": "mod", "description": "Moderation", "options": [
            { "type": 1, "name": "ban", "description": "Ban", "options": [
                { "type": 6, "name": "user", "description": "Who", "required": true },
                { "type": 3, "name": "reason", "description": "Why" },
            ] },
        ] }, { "type": 3, "name": "Capture Evidence", "description": "" }]);
        assert!(command_list(&good).is_ok());
        let upper = json!([{ "name": "Mod", "description": "x" }]);
        assert!(command_list(&upper).is_err());
        let order = json!([{ "name": "m", "description": "x", "options": [
            { "type": 3, "name": "a", "description": "a" },
            { "type": 3, "name": "b", "description": "b", "required": true },
        ] }]);
        assert!(command_list(&order).is_err());
        let no_description = json!([{ "name": "m", "description": "" }]);
        assert!(command_list(&no_description).is_err());
    }

    #[test]
    fn modals_are_checked() {
        let modal_data = json!({ "custom_id": "m", "title": "Reason", "components": [
            { "type": 1, "components": [{ "type": 4, "custom_id": "r", "label": "Reason", "style": 2 }] }
        ] });
        assert!(modal(&modal_data).is_ok());
        let mut long_title = modal_data.clone();
        long_title["title"] = json!("t".repeat(46));
        assert!(modal(&long_title).is_err());
    }
}
