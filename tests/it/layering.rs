//! The layering rule, checked on the source: each top-level module of `src/` may import only
//! modules of a lower layer (or itself). Adapters sit side by side and import none of each other.
//! A new top-level module must be given a layer here before anything compiles against it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Lowest first. Modules on one line share a layer and may not import each other.
const LAYERS: &[&[&str]] = &[
    &["domain"],
    &["config", "ports"],
    &["error", "telemetry"],
    &["store"],
    &["services"],
    &["discord", "jobs", "web", "automod"],
    &["startup"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// One import that breaks the rule, as a sentence naming the file.
fn violations_in(file: &str, source: &str) -> Vec<String> {
    let Some(importer) = top_level_module(file) else {
        return Vec::new();
    };
    let Some(importer_layer) = layer_of(&importer) else {
        return vec![format!(
            "{file}: `{importer}` is a top-level module with no layer; add it to LAYERS"
        )];
    };
    // How many modules below its top-level module the file's own module sits.
    let mut depth = file.matches('/').count().saturating_sub(1);
    if file.ends_with("/mod.rs") {
        depth = depth.saturating_sub(1);
    }
    let mut found = BTreeSet::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or("");
        for imported in imported_modules(code, depth) {
            if imported == importer {
                continue;
            }
            match layer_of(&imported) {
                Some(layer) if layer < importer_layer => {}
                Some(_) => {
                    found.insert(format!(
                        "{file}: `{importer}` imports `{imported}`, which is not below it"
                    ));
                }
                None if is_top_level_module(&imported) => {
                    found.insert(format!(
                        "{file}: imports `{imported}`, a top-level module with no layer"
                    ));
                }
                None => {}
            }
        }
    }
    found.into_iter().collect()
}

/// `src/services/cases.rs` → `services`; `src/error.rs` → `error`; `src/lib.rs` → none.
fn top_level_module(file: &str) -> Option<String> {
    let rest = file.strip_prefix("src/")?;
    let first = rest.split('/').next()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_string())
}

fn is_top_level_module(name: &str) -> bool {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    src.join(name).is_dir() || src.join(format!("{name}.rs")).is_file()
}

/// The top-level modules a line names through `crate::…`, `crate::{…}`, or enough `super::`s
/// to climb out of the file's own top-level module (`depth` folders below it).
fn imported_modules(code: &str, depth: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let preceded_by_ident = rest[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
        let after = &rest[at + "crate::".len()..];
        if !preceded_by_ident {
            if let Some(group) = after.strip_prefix('{') {
                let group = group.split('}').next().unwrap_or("");
                out.extend(group.split(',').filter_map(|item| first_ident(item.trim())));
            } else if let Some(name) = first_ident(after) {
                out.push(name);
            }
        }
        rest = after;
    }
    let mut rest = code;
    while let Some(at) = rest.find("super::") {
        let mut after = &rest[at..];
        let mut supers = 0;
        while let Some(next) = after.strip_prefix("super::") {
            supers += 1;
            after = next;
        }
        if supers > depth {
            out.extend(first_ident(after));
        }
        rest = after;
    }
    out
}

fn first_ident(text: &str) -> Option<String> {
    let ident: String = text
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!ident.is_empty() && ident != "self").then_some(ident)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_layer_imports_only_the_layers_below_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut violations = Vec::new();
    for path in &files {
        let relative = path
            .strip_prefix(root)
            .expect("under the crate")
            .to_string_lossy()
            .replace('\\', "/");
        let source = std::fs::read_to_string(path).expect("read a source file");
        violations.extend(violations_in(&relative, &source));
    }
    assert!(
        files.len() > 50,
        "found only {} files under src/",
        files.len()
    );
    assert!(
        violations.is_empty(),
        "layering broken:\n{}",
        violations.join("\n")
    );
}

#[test]
fn main_only_reaches_the_command_line() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let main = std::fs::read_to_string(root.join("src/main.rs")).expect("read src/main.rs");
    let reached: BTreeSet<&str> = main
        .match_indices("gavel::")
        .map(|(at, _)| {
            let after = &main[at + "gavel::".len()..];
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            &after[..end]
        })
        .collect();
    assert_eq!(reached, BTreeSet::from(["cli"]));
}

#[test]
fn the_check_catches_upward_and_sideways_imports() {
    let upward = violations_in(
        "src/store/cases.rs",
        "use crate::services::Services;\nuse crate::domain::ModAction;",
    );
    assert_eq!(upward.len(), 1, "{upward:?}");
    assert!(upward[0].contains("`store` imports `services`"));

    let grouped = violations_in(
        "src/domain/action.rs",
        "use crate::{store, ports::discord};",
    );
    assert_eq!(grouped.len(), 2, "{grouped:?}");

    let sideways = violations_in(
        "src/jobs/handlers.rs",
        "let x = crate::discord::render::x();",
    );
    assert_eq!(sideways.len(), 1, "{sideways:?}");

    let climbing = violations_in(
        "src/services/cases.rs",
        "use super::super::startup::App;\nuse super::notes;",
    );
    assert_eq!(climbing.len(), 1, "{climbing:?}");

    let nested_ok = violations_in(
        "src/services/evidence/capture.rs",
        "use super::super::cases::CaseService;\nuse crate::store::cases;",
    );
    assert!(nested_ok.is_empty(), "{nested_ok:?}");

    let commented = violations_in("src/store/cases.rs", "// see crate::services::cases");
    assert!(commented.is_empty(), "{commented:?}");

    let unknown = violations_in("src/widgets/x.rs", "use crate::domain::ModAction;");
    assert!(unknown[0].contains("no layer"), "{unknown:?}");
}
