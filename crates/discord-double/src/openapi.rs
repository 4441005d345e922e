//! Checks the requests the bot sent to the Discord double against Discord's official OpenAPI 3.1
//! description, `../shared/discord-api-spec/openapi.json` relative to the workspace root (the
//! directory with the `Cargo.lock`), or the file `GAVEL_OPENAPI_SPEC` names.
//!
//! Every request must hit a path template and method of the spec, send only declared query
//! parameters with values of the declared type, and send a JSON body that satisfies the
//! operation's request-body schema. The audit-log reason travels in a header, which the spec does
//! not describe, so it is not checked. When the spec file is absent the check is skipped with a
//! note.
//!
//! Two deliberate allowances where Discord's spec is stricter than Discord (and serenity):
//! * Every request body in the spec is `required: true`, even for `DELETE` bans and kicks whose
//!   schema has no required field. A missing body is only a mismatch when an empty object would
//!   not satisfy the schema.
//! * The spec describes ban options (`delete_message_seconds`) only as body fields, but serenity
//!   sends them as query parameters on a bodiless request. A query parameter that is not declared
//!   is accepted when no body was sent and the body schema has a top-level field of that name,
//!   and its value is then checked against that field's schema.
//! * The spec types `default_member_permissions` in command requests as an integer, while
//!   Discord documents it (and returns it) as a string of decimal digits, which serenity sends.
//!   A decimal-digit string is accepted where the spec wants an integer for that field only.

use std::cmp::Ordering;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{Map, Number, Value};

use crate::recorded::RecordedRequest;

/// Every path the bot sends starts with this; the spec's templates do not.
const API_PREFIX: &str = "/api/v10";
/// Set `GAVEL_OPENAPI_SPEC=/path/to/openapi.json` to override the spec location (builds outside this workspace).
const SPEC_PATH_ENV: &str = "GAVEL_OPENAPI_SPEC";
/// Where the spec lives relative to the workspace root.
const SPEC_PATH_FROM_WORKSPACE: &str = "../shared/discord-api-spec/openapi.json";
/// The operations a path item can hold.
const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
/// Guards against `$ref` cycles that never descend into the checked value.
const MAX_SCHEMA_DEPTH: usize = 256;

/// Checks every request against the spec. `Ok` holds the number of requests checked (0 when the
/// spec file is absent and the check was skipped); `Err` lists one line per mismatch.
pub fn check_requests(requests: &[RecordedRequest]) -> Result<usize, Vec<String>> {
    let spec = match spec() {
        SpecState::Loaded(spec) => spec,
        SpecState::Missing(path) => {
            eprintln!(
                "note: Discord OpenAPI check skipped: no spec file at {} (set {SPEC_PATH_ENV} to use another file)",
                path.display()
            );
            return Ok(0);
        }
        SpecState::Broken(reason) => return Err(vec![reason.clone()]),
    };
    let mismatches: Vec<String> = requests.iter().flat_map(|r| spec.check(r)).collect();
    if mismatches.is_empty() {
        Ok(requests.len())
    } else {
        Err(mismatches)
    }
}

/// Panics listing every mismatch between the requests and the spec.
pub fn assert_requests_match_spec(requests: &[RecordedRequest]) {
    if let Err(mismatches) = check_requests(requests) {
        panic!(
            "{} mismatch(es) between the requests sent to Discord and Discord's OpenAPI spec:\n  {}",
            mismatches.len(),
            mismatches.join("\n  ")
        );
    }
}

/// Checks a JSON body the double answered `method path` with against the spec's 200 response
/// schema for that operation, for the double's own tests of its shapes. `Ok` holds 1, or 0
/// when the spec file is absent and the check was skipped; `Err` lists the mismatches.
pub fn check_response(method: &str, path: &str, body: &Value) -> Result<usize, Vec<String>> {
    let spec = match spec() {
        SpecState::Loaded(spec) => spec,
        SpecState::Missing(_) => return Ok(0),
        SpecState::Broken(reason) => return Err(vec![reason.clone()]),
    };
    let problems = spec.check_response(method, path, body);
    if problems.is_empty() {
        Ok(1)
    } else {
        Err(problems)
    }
}

enum SpecState {
    Loaded(Spec),
    Missing(PathBuf),
    Broken(String),
}

fn spec() -> &'static SpecState {
    static SPEC: OnceLock<SpecState> = OnceLock::new();
    SPEC.get_or_init(|| load_spec(&spec_path()))
}

fn spec_path() -> PathBuf {
    match std::env::var_os(SPEC_PATH_ENV) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => workspace_root().join(SPEC_PATH_FROM_WORKSPACE),
    }
}

/// The nearest directory at or above this crate's that holds a `Cargo.lock` (the workspace
/// root); `crates/discord-double/../..` when there is none.
fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").is_file())
        .map_or_else(|| manifest_dir.join("../.."), Path::to_path_buf)
}

fn load_spec(path: &Path) -> SpecState {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return SpecState::Missing(path.to_path_buf())
        }
        Err(e) => {
            return SpecState::Broken(format!(
                "cannot read the OpenAPI spec at {}: {e}",
                path.display()
            ))
        }
    };
    match Spec::parse(&text) {
        Ok(spec) => SpecState::Loaded(spec),
        Err(e) => SpecState::Broken(format!(
            "the OpenAPI spec at {} is unusable: {e}",
            path.display()
        )),
    }
}

/// The parts of the spec the check needs, with the path templates pre-split.
struct Spec {
    paths: Map<String, Value>,
    schemas: Map<String, Value>,
    routes: Vec<Route>,
}

struct Route {
    template: String,
    segments: Vec<Segment>,
}

enum Segment {
    Literal(String),
    Param(String),
}

impl Route {
    fn new(template: &str) -> Self {
        let segments = template
            .trim_start_matches('/')
            .split('/')
            .map(
                |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => Segment::Param(name.to_owned()),
                    None => Segment::Literal(segment.to_owned()),
                },
            )
            .collect();
        Route {
            template: template.to_owned(),
            segments,
        }
    }

    fn matches(&self, segments: &[&str]) -> bool {
        self.segments.len() == segments.len()
            && self
                .segments
                .iter()
                .zip(segments)
                .all(|(own, seg)| match own {
                    Segment::Literal(literal) => literal == seg,
                    Segment::Param(_) => !seg.is_empty(),
                })
    }

    /// Sorts more specific templates first: a literal segment beats a parameter, leftmost first.
    fn specificity(&self) -> Vec<bool> {
        self.segments
            .iter()
            .map(|s| matches!(s, Segment::Param(_)))
            .collect()
    }
}

/// One schema violation: where in the checked value (a JSON pointer) and what is wrong.
#[derive(Debug)]
struct Violation {
    pointer: String,
    message: String,
}

impl Violation {
    fn new(pointer: &str, message: impl Into<String>) -> Self {
        Violation {
            pointer: pointer.to_owned(),
            message: message.into(),
        }
    }

    /// `prefix /a/0: message`, or `prefix: message` at the root.
    fn render(&self, prefix: &str) -> String {
        if self.pointer.is_empty() {
            format!("{prefix}: {}", self.message)
        } else {
            format!("{prefix} {}: {}", self.pointer, self.message)
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.pointer, self.message)
        }
    }
}

impl Spec {
    fn parse(text: &str) -> Result<Self, String> {
        let mut doc: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let paths = match doc.get_mut("paths").map(Value::take) {
            Some(Value::Object(paths)) => paths,
            _ => return Err("it has no `paths` object".to_owned()),
        };
        let schemas = match doc.pointer_mut("/components/schemas").map(Value::take) {
            Some(Value::Object(schemas)) => schemas,
            _ => Map::new(),
        };
        let routes = paths.keys().map(|template| Route::new(template)).collect();
        Ok(Spec {
            paths,
            schemas,
            routes,
        })
    }

    fn validator(&self, multipart: bool) -> Validator<'_> {
        Validator {
            schemas: &self.schemas,
            multipart,
        }
    }

    fn match_route(&self, segments: &[&str]) -> Option<&Route> {
        self.routes
            .iter()
            .filter(|route| route.matches(segments))
            .min_by_key(|route| route.specificity())
    }

    fn check_response(&self, method: &str, path: &str, body: &Value) -> Vec<String> {
        let segments: Vec<&str> = path
            .strip_prefix(API_PREFIX)
            .unwrap_or(path)
            .trim_start_matches('/')
            .split('/')
            .collect();
        let schema = self
            .match_route(&segments)
            .and_then(|route| self.paths[route.template.as_str()].get(method.to_ascii_lowercase()))
            .and_then(|operation| {
                operation.pointer("/responses/200/content/application~1json/schema")
            });
        let Some(schema) = schema else {
            return vec![format!(
                "{method} {path}: the spec has no JSON 200 response for it"
            )];
        };
        self.validator(false)
            .check(schema, body)
            .iter()
            .map(|violation| violation.render(&format!("{method} {path} response")))
            .collect()
    }

    /// All mismatches of one request, each prefixed with `METHOD /path:`.
    fn check(&self, request: &RecordedRequest) -> Vec<String> {
        let mut problems = Vec::new();
        self.check_into(request, &mut problems);
        problems
            .into_iter()
            .map(|problem| format!("{} {}: {problem}", request.method, request.path))
            .collect()
    }

    fn check_into(&self, request: &RecordedRequest, problems: &mut Vec<String>) {
        let Some(rest) = request
            .path
            .strip_prefix(API_PREFIX)
            .and_then(|rest| rest.strip_prefix('/'))
        else {
            problems.push(format!("path does not start with {API_PREFIX}/"));
            return;
        };
        let segments: Vec<&str> = rest.split('/').collect();
        let Some(route) = self.match_route(&segments) else {
            problems.push(format!(
                "no path template in the spec matches /{rest} (unknown route)"
            ));
            return;
        };
        let template = route.template.as_str();
        let item = &self.paths[template];
        let method = request.method.to_ascii_lowercase();
        let Some(operation) = item
            .get(&method)
            .filter(|_| HTTP_METHODS.contains(&method.as_str()))
        else {
            let allowed: Vec<String> = HTTP_METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| m.to_ascii_uppercase())
                .collect();
            problems.push(format!(
                "the spec has no {} operation on {template} (it has {})",
                request.method,
                allowed.join(", ")
            ));
            return;
        };

        // Path parameters.
        let path_params = parameters(item, operation, "path");
        for (own, segment) in route.segments.iter().zip(&segments) {
            let Segment::Param(name) = own else { continue };
            let Some(schema) = path_params
                .iter()
                .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
                .and_then(|p| p.get("schema"))
            else {
                continue;
            };
            let value = Value::String((*segment).to_owned());
            for violation in self.validator(false).check(schema, &value) {
                problems.push(violation.render(&format!("path parameter `{name}`={segment:?}")));
            }
        }

        // Query parameters.
        let query_params = parameters(item, operation, "query");
        for (name, raw) in &request.query {
            let declared = query_params
                .iter()
                .find(|p| p.get("name").and_then(Value::as_str) == Some(name.as_str()));
            if let Some(param) = declared {
                if let Some(schema) = param.get("schema") {
                    for violation in self.check_query_value(schema, raw) {
                        problems
                            .push(violation.render(&format!("query parameter `{name}`={raw:?}")));
                    }
                }
            } else if let Some(schema) = request
                .body
                .is_none()
                .then(|| self.body_field(operation, name))
                .flatten()
            {
                for violation in self.check_query_value(schema, raw) {
                    problems.push(violation.render(&format!(
                        "query parameter `{name}`={raw:?} (checked as the request-body field of that name)"
                    )));
                }
            } else {
                let names: Vec<&str> = query_params
                    .iter()
                    .filter_map(|p| p.get("name").and_then(Value::as_str))
                    .collect();
                problems.push(format!(
                    "query parameter `{name}` is not declared for {} {template} (declared: {})",
                    request.method,
                    if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    }
                ));
            }
        }
        for param in &query_params {
            let Some(name) = param.get("name").and_then(Value::as_str) else {
                continue;
            };
            let required = param.get("required") == Some(&Value::Bool(true));
            if required && !request.query.iter().any(|(n, _)| n == name) {
                problems.push(format!("required query parameter `{name}` is missing"));
            }
        }

        // Body.
        let declared_body = operation.get("requestBody");
        match (&request.body, declared_body) {
            (Some(_), None) => problems.push(format!(
                "sends a JSON body, but the spec declares no request body for {} {template}",
                request.method
            )),
            (Some(body), Some(declared)) => match body_schema(declared) {
                Some((schema, multipart)) => {
                    for violation in self.validator(multipart).check(schema, body) {
                        problems.push(violation.render("body"));
                    }
                }
                None => problems.push(format!(
                    "sends a JSON body, but the request body is declared only as {}",
                    content_types(declared)
                )),
            },
            (None, Some(declared)) if declared.get("required") == Some(&Value::Bool(true)) => {
                if let Some((schema, multipart)) = body_schema(declared) {
                    let empty = Value::Object(Map::new());
                    if let Some(violation) = self.validator(multipart).check(schema, &empty).first()
                    {
                        problems.push(format!(
                            "sends no body, but the spec requires one and an empty object does not do ({violation})"
                        ));
                    }
                }
            }
            _ => {}
        }
    }

    /// The schema of a top-level field of the operation's request body, if it has one.
    fn body_field<'s>(&'s self, operation: &'s Value, name: &str) -> Option<&'s Value> {
        let (schema, _) = body_schema(operation.get("requestBody")?)?;
        self.find_property(schema, name, 0)
    }

    fn find_property<'s>(
        &'s self,
        schema: &'s Value,
        name: &str,
        depth: usize,
    ) -> Option<&'s Value> {
        if depth > MAX_SCHEMA_DEPTH {
            return None;
        }
        if let Some(target) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| resolve(&self.schemas, r))
        {
            return self.find_property(target, name, depth + 1);
        }
        if let Some(field) = schema.get("properties").and_then(|p| p.get(name)) {
            return Some(field);
        }
        schema
            .get("allOf")
            .and_then(Value::as_array)?
            .iter()
            .find_map(|branch| self.find_property(branch, name, depth + 1))
    }

    /// Query values arrive as text: accept the value if any reading of it (integer, number,
    /// boolean, string; wrapped in an array for array-typed parameters) satisfies the schema.
    fn check_query_value(&self, schema: &Value, raw: &str) -> Vec<Violation> {
        let mut readings = Vec::new();
        if let Ok(int) = raw.parse::<i64>() {
            readings.push(Value::from(int));
        } else if let Ok(int) = raw.parse::<u64>() {
            readings.push(Value::from(int));
        } else if let Some(number) = raw.parse::<f64>().ok().and_then(Number::from_f64) {
            readings.push(Value::Number(number));
        }
        match raw {
            "true" => readings.push(Value::Bool(true)),
            "false" => readings.push(Value::Bool(false)),
            _ => {}
        }
        readings.push(Value::String(raw.to_owned()));
        let types = self.declared_types(schema);
        if types.contains(&"array") && !types.contains(&"string") {
            readings = readings
                .into_iter()
                .map(|reading| Value::Array(vec![reading]))
                .collect();
        }
        let mut first_failure = None;
        for reading in &readings {
            let violations = self.validator(false).check(schema, reading);
            if violations.is_empty() {
                return violations;
            }
            first_failure.get_or_insert(violations);
        }
        first_failure.unwrap_or_default()
    }

    /// The `type` names of a schema, following `$ref`s.
    fn declared_types<'s>(&'s self, mut schema: &'s Value) -> Vec<&'s str> {
        for _ in 0..MAX_SCHEMA_DEPTH {
            match schema.get("type") {
                Some(Value::String(name)) => return vec![name],
                Some(Value::Array(names)) => {
                    return names.iter().filter_map(Value::as_str).collect()
                }
                _ => {}
            }
            match schema
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| resolve(&self.schemas, r))
            {
                Some(target) => schema = target,
                None => break,
            }
        }
        Vec::new()
    }
}

/// Path-level parameters in `location`, overridden by operation-level ones of the same name.
fn parameters<'s>(item: &'s Value, operation: &'s Value, location: &str) -> Vec<&'s Value> {
    let mut found: Vec<&Value> = Vec::new();
    for source in [item, operation] {
        let Some(list) = source.get("parameters").and_then(Value::as_array) else {
            continue;
        };
        for param in list {
            if param.get("in").and_then(Value::as_str) != Some(location) {
                continue;
            }
            found.retain(|p| p.get("name") != param.get("name"));
            found.push(param);
        }
    }
    found
}

/// The JSON schema of a request body: `application/json`, else `multipart/form-data` (whose
/// JSON part the double records). The flag says which.
fn body_schema(declared: &Value) -> Option<(&Value, bool)> {
    let content = declared.get("content")?;
    if let Some(schema) = content.pointer("/application~1json/schema") {
        return Some((schema, false));
    }
    content
        .pointer("/multipart~1form-data/schema")
        .map(|schema| (schema, true))
}

fn content_types(declared: &Value) -> String {
    match declared.get("content").and_then(Value::as_object) {
        Some(content) if !content.is_empty() => {
            content.keys().cloned().collect::<Vec<_>>().join(", ")
        }
        _ => "nothing".to_owned(),
    }
}

fn resolve<'s>(schemas: &'s Map<String, Value>, reference: &str) -> Option<&'s Value> {
    schemas.get(reference.strip_prefix("#/components/schemas/")?)
}

/// A small JSON Schema (2020-12 subset) validator for the keywords Discord's spec uses.
struct Validator<'s> {
    schemas: &'s Map<String, Value>,
    /// Multipart bodies carry binary parts the double does not record: do not require them.
    multipart: bool,
}

impl Validator<'_> {
    fn check(&self, schema: &Value, value: &Value) -> Vec<Violation> {
        let mut violations = Vec::new();
        self.validate(schema, value, "", 0, &mut violations);
        violations
    }

    fn validate(
        &self,
        schema: &Value,
        value: &Value,
        pointer: &str,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        let schema = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => {
                out.push(Violation::new(pointer, "no value is allowed here"));
                return;
            }
            Value::Object(schema) => schema,
            _ => return,
        };
        if depth > MAX_SCHEMA_DEPTH {
            out.push(Violation::new(
                pointer,
                "schema nesting too deep (a $ref cycle in the spec?)",
            ));
            return;
        }
        let depth = depth + 1;

        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            match resolve(self.schemas, reference) {
                Some(target) => self.validate(target, value, pointer, depth, out),
                None => out.push(Violation::new(
                    pointer,
                    format!("the spec's $ref {reference} cannot be resolved"),
                )),
            }
        }

        if let Some(types) = schema.get("type") {
            if !type_matches(types, value) && !is_permissions_string(types, value, pointer) {
                out.push(Violation::new(
                    pointer,
                    format!(
                        "expected {}, got {}",
                        describe_types(types),
                        describe(value)
                    ),
                ));
                return;
            }
        }

        // Discord's spec has an empty `enum` beside an `allOf` that carries the real values.
        if let Some(Value::Array(options)) = schema.get("enum") {
            if !options.is_empty() && !options.iter().any(|o| json_eq(o, value)) {
                out.push(Violation::new(
                    pointer,
                    format!("{} is not one of {}", describe(value), list(options)),
                ));
            }
        }
        if let Some(constant) = schema.get("const") {
            if !json_eq(constant, value) {
                out.push(Violation::new(
                    pointer,
                    format!("{} is not the constant {constant}", describe(value)),
                ));
            }
        }

        match value {
            Value::Number(number) => self.validate_number(schema, number, pointer, out),
            Value::String(text) => validate_string(schema, text, pointer, out),
            Value::Array(items) => self.validate_array(schema, items, pointer, depth, out),
            Value::Object(fields) => self.validate_object(schema, fields, pointer, depth, out),
            Value::Null | Value::Bool(_) => {}
        }

        if let Some(Value::Array(branches)) = schema.get("allOf") {
            for branch in branches {
                self.validate(branch, value, pointer, depth, out);
            }
        }
        // Discord's `oneOf`s may overlap (and one `anyOf` is marked `x-discord-union: oneOf`):
        // both mean "valid against at least one".
        for keyword in ["anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = schema.get(keyword) {
                self.validate_union(keyword, branches, value, pointer, depth, out);
            }
        }
    }

    fn validate_union(
        &self,
        keyword: &str,
        branches: &[Value],
        value: &Value,
        pointer: &str,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        let mut failures = Vec::new();
        for branch in branches {
            let mut violations = Vec::new();
            self.validate(branch, value, pointer, depth, &mut violations);
            if violations.is_empty() {
                return;
            }
            // `oneOf: [{type: null}, X]` is how the spec spells "nullable X": report X's problem.
            let null_only = branch.get("type").and_then(Value::as_str) == Some("null");
            let uninformative = null_only && !value.is_null();
            if !uninformative {
                failures.push(violations);
            }
        }
        if failures.len() == 1 {
            out.append(&mut failures[0]);
            return;
        }
        // The closest alternative got deepest into the value, then has the fewest problems.
        let closest = failures.iter().min_by(|a, b| {
            let deepest = |v: &Vec<Violation>| v.iter().map(|x| x.pointer.len()).max().unwrap_or(0);
            deepest(b)
                .cmp(&deepest(a))
                .then_with(|| a.len().cmp(&b.len()))
        });
        let hint = closest
            .and_then(|violations| violations.first())
            .map(|violation| format!("; closest: {violation}"))
            .unwrap_or_default();
        out.push(Violation::new(
            pointer,
            format!(
                "{} matches none of the {} {keyword} alternatives{hint}",
                describe(value),
                branches.len()
            ),
        ));
    }

    fn validate_number(
        &self,
        schema: &Map<String, Value>,
        number: &Number,
        pointer: &str,
        out: &mut Vec<Violation>,
    ) {
        let bound = |keyword: &str| schema.get(keyword).and_then(Value::as_number);
        let checks: [(&str, &[Ordering], &str); 4] = [
            ("minimum", &[Ordering::Less], "less than the minimum"),
            ("maximum", &[Ordering::Greater], "greater than the maximum"),
            (
                "exclusiveMinimum",
                &[Ordering::Less, Ordering::Equal],
                "not greater than the exclusive minimum",
            ),
            (
                "exclusiveMaximum",
                &[Ordering::Greater, Ordering::Equal],
                "not less than the exclusive maximum",
            ),
        ];
        for (keyword, failing, text) in checks {
            if let Some(limit) = bound(keyword) {
                if compare_numbers(number, limit).is_some_and(|o| failing.contains(&o)) {
                    out.push(Violation::new(
                        pointer,
                        format!("{number} is {text} {limit}"),
                    ));
                }
            }
        }
        let range = match schema.get("format").and_then(Value::as_str) {
            Some("int32") => Some((i128::from(i32::MIN), i128::from(i32::MAX))),
            Some("int64") => Some((i128::from(i64::MIN), i128::from(i64::MAX))),
            _ => None,
        };
        if let Some((low, high)) = range {
            if !as_i128(number).is_some_and(|n| (low..=high).contains(&n)) {
                out.push(Violation::new(
                    pointer,
                    format!("{number} does not fit format {}", schema["format"]),
                ));
            }
        }
    }

    fn validate_array(
        &self,
        schema: &Map<String, Value>,
        items: &[Value],
        pointer: &str,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        if let Some(item_schema) = schema.get("items") {
            for (index, item) in items.iter().enumerate() {
                self.validate(
                    item_schema,
                    item,
                    &child(pointer, &index.to_string()),
                    depth,
                    out,
                );
            }
        }
        check_count(
            schema,
            "minItems",
            "maxItems",
            items.len(),
            "items",
            pointer,
            out,
        );
        if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
            let duplicate = items
                .iter()
                .enumerate()
                .find(|(i, item)| items[..*i].iter().any(|earlier| json_eq(earlier, item)));
            if let Some((index, item)) = duplicate {
                out.push(Violation::new(
                    &child(pointer, &index.to_string()),
                    format!("{} repeats an earlier item (uniqueItems)", describe(item)),
                ));
            }
        }
    }

    fn validate_object(
        &self,
        schema: &Map<String, Value>,
        fields: &Map<String, Value>,
        pointer: &str,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        let properties = schema.get("properties").and_then(Value::as_object);
        if let Some(properties) = properties {
            for (name, field_schema) in properties {
                if let Some(field) = fields.get(name) {
                    self.validate(field_schema, field, &child(pointer, name), depth, out);
                }
            }
        }
        if let Some(Value::Array(required)) = schema.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                let binary = properties
                    .and_then(|p| p.get(name))
                    .and_then(|p| p.get("contentEncoding"))
                    .is_some_and(|e| e == "binary");
                let unrecorded = self.multipart && binary;
                if !fields.contains_key(name) && !unrecorded {
                    out.push(Violation::new(
                        pointer,
                        format!("missing required property `{name}`"),
                    ));
                }
            }
        }
        if let Some(additional) = schema.get("additionalProperties") {
            let declared = |name: &String| properties.is_some_and(|p| p.contains_key(name));
            for (name, field) in fields.iter().filter(|(name, _)| !declared(name)) {
                if additional == &Value::Bool(false) {
                    out.push(Violation::new(
                        pointer,
                        format!("property `{name}` is not allowed (additionalProperties: false)"),
                    ));
                } else {
                    self.validate(additional, field, &child(pointer, name), depth, out);
                }
            }
        }
        check_count(
            schema,
            "minProperties",
            "maxProperties",
            fields.len(),
            "properties",
            pointer,
            out,
        );
    }
}

fn validate_string(
    schema: &Map<String, Value>,
    text: &str,
    pointer: &str,
    out: &mut Vec<Violation>,
) {
    check_count(
        schema,
        "minLength",
        "maxLength",
        text.chars().count(),
        "characters",
        pointer,
        out,
    );
    let pattern = schema.get("pattern").and_then(Value::as_str);
    if let Some(pattern) = pattern {
        // Only the patterns Discord's spec uses are known; others are skipped.
        if pattern_matches(pattern, text) == Some(false) {
            out.push(Violation::new(
                pointer,
                format!(
                    "{} does not match the pattern {pattern}",
                    describe_str(text)
                ),
            ));
        }
    }
    let valid = match schema.get("format").and_then(Value::as_str) {
        Some("date-time") => is_date_time(text),
        Some("snowflake") if pattern.is_none() => is_snowflake(text),
        _ => true,
    };
    if !valid {
        out.push(Violation::new(
            pointer,
            format!("{} is not a valid {}", describe_str(text), schema["format"]),
        ));
    }
}

/// Checks a `min…`/`max…` pair of keywords against a count.
fn check_count(
    schema: &Map<String, Value>,
    min_keyword: &str,
    max_keyword: &str,
    count: usize,
    unit: &str,
    pointer: &str,
    out: &mut Vec<Violation>,
) {
    let limit = |keyword: &str| schema.get(keyword).and_then(Value::as_u64);
    let count_u64 = u64::try_from(count).unwrap_or(u64::MAX);
    if let Some(min) = limit(min_keyword).filter(|min| count_u64 < *min) {
        out.push(Violation::new(
            pointer,
            format!("has {count} {unit}, fewer than {min_keyword} {min}"),
        ));
    }
    if let Some(max) = limit(max_keyword).filter(|max| count_u64 > *max) {
        out.push(Violation::new(
            pointer,
            format!("has {count} {unit}, more than {max_keyword} {max}"),
        ));
    }
}

fn child(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"))
}

fn type_matches(types: &Value, value: &Value) -> bool {
    let matches = |name: &str| match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.as_number().is_some_and(is_integer),
        _ => true,
    };
    match types {
        Value::String(name) => matches(name),
        Value::Array(names) => names.iter().filter_map(Value::as_str).any(matches),
        _ => true,
    }
}

fn describe_types(types: &Value) -> String {
    match types {
        Value::Array(names) => names
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        Value::String(name) => name.clone(),
        other => other.to_string(),
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) if is_integer(n) => format!("integer {n}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => describe_str(s),
        Value::Array(items) => format!("an array of {}", items.len()),
        Value::Object(_) => "an object".to_owned(),
    }
}

fn describe_str(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() > MAX {
        let head: String = text.chars().take(MAX).collect();
        format!("string {:?}…", head)
    } else {
        format!("string {text:?}")
    }
}

fn list(options: &[Value]) -> String {
    const MAX: usize = 12;
    let mut shown: Vec<String> = options.iter().take(MAX).map(Value::to_string).collect();
    if options.len() > MAX {
        shown.push("…".to_owned());
    }
    format!("[{}]", shown.join(", "))
}

fn as_i128(number: &Number) -> Option<i128> {
    if let Some(n) = number.as_i64() {
        return Some(i128::from(n));
    }
    if let Some(n) = number.as_u64() {
        return Some(i128::from(n));
    }
    let float = number.as_f64()?;
    // Integral floats within ±2^63 convert exactly; larger ones are not needed here.
    (float.fract() == 0.0 && float.abs() < 9.2e18).then_some(float as i128)
}

fn is_integer(number: &Number) -> bool {
    number.is_i64() || number.is_u64() || number.as_f64().is_some_and(|f| f.fract() == 0.0)
}

fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    match (as_i128(a), as_i128(b)) {
        (Some(a), Some(b)) => Some(a.cmp(&b)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// JSON equality where `4` and `4.0` are the same number.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => compare_numbers(a, b) == Some(Ordering::Equal),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, a)| b.get(key).is_some_and(|b| json_eq(a, b)))
        }
        _ => a == b,
    }
}

/// The regular expressions Discord's spec uses, hand-written; `None` for unknown patterns.
fn pattern_matches(pattern: &str, text: &str) -> Option<bool> {
    match pattern {
        "^(0|[1-9][0-9]*)$" => Some(is_snowflake(text)),
        "^#(([0-9a-fA-F]{2}){3}|([0-9a-fA-F]){3})$" => {
            Some(text.strip_prefix('#').is_some_and(|hex| {
                matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit())
            }))
        }
        _ => None,
    }
}

/// `^(0|[1-9][0-9]*)$`, Discord's `SnowflakeType`.
fn is_snowflake(text: &str) -> bool {
    text == "0"
        || (!text.is_empty() && !text.starts_with('0') && text.bytes().all(|b| b.is_ascii_digit()))
}

/// RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
fn is_date_time(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() < 20 {
        return false;
    }
    let digits = |from: usize, to: usize| b[from..to].iter().all(u8::is_ascii_digit);
    let number = |from: usize, to: usize| {
        b[from..to]
            .iter()
            .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
    };
    let shape = digits(0, 4)
        && b[4] == b'-'
        && digits(5, 7)
        && b[7] == b'-'
        && digits(8, 10)
        && matches!(b[10], b'T' | b't' | b' ')
        && digits(11, 13)
        && b[13] == b':'
        && digits(14, 16)
        && b[16] == b':'
        && digits(17, 19);
    if !shape
        || !(1..=12).contains(&number(5, 7))
        || !(1..=31).contains(&number(8, 10))
        || number(11, 13) > 23
        || number(14, 16) > 59
        || number(17, 19) > 60
    {
        return false;
    }
    let mut rest = &b[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let count = fraction.iter().take_while(|d| d.is_ascii_digit()).count();
        if count == 0 {
            return false;
        }
        rest = &fraction[count..];
    }
    match rest {
        b"Z" | b"z" => true,
        [sign, h1, h2, b':', m1, m2] => {
            matches!(sign, b'+' | b'-')
                && [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit())
                && (h1 - b'0') * 10 + (h2 - b'0') <= 23
                && (m1 - b'0') * 10 + (m2 - b'0') <= 59
        }
        _ => false,
    }
}

/// See the module note: a permission bit set sent as a decimal string.
fn is_permissions_string(types: &Value, value: &Value, pointer: &str) -> bool {
    let wants_integer = match types {
        Value::String(t) => t == "integer",
        Value::Array(ts) => ts.iter().any(|t| t == "integer"),
        _ => false,
    };
    wants_integer
        && pointer.ends_with("/default_member_permissions")
        && value
            .as_str()
            .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A request as the double records it; `target` may carry a `?a=b&c=d` query.
    fn request(method: &str, target: &str, body: Option<Value>) -> RecordedRequest {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let query = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (name.to_owned(), value.to_owned())
            })
            .collect();
        RecordedRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            query,
            audit_reason: Some("test".to_owned()),
            body,
        }
    }

    /// The loaded spec, or `None` (with a note) when the file is absent.
    fn loaded() -> Option<&'static Spec> {
        match spec() {
            SpecState::Loaded(spec) => Some(spec),
            SpecState::Missing(path) => {
                eprintln!(
                    "note: spec-dependent test skipped: no spec at {}",
                    path.display()
                );
                None
            }
            SpecState::Broken(reason) => panic!("{reason}"),
        }
    }

    fn assert_passes(request: RecordedRequest) {
        if loaded().is_none() {
            return;
        }
        let requests = [request];
        assert_requests_match_spec(&requests);
        assert_eq!(check_requests(&requests), Ok(1));
    }

    /// Asserts the request is rejected with mismatches mentioning every needle; returns them.
    fn assert_fails(request: RecordedRequest, needles: &[&str]) -> Vec<String> {
        if loaded().is_none() {
            return Vec::new();
        }
        let label = format!("{} {}: ", request.method, request.path);
        let mismatches =
            check_requests(&[request]).expect_err("the spec should reject this request");
        let all = mismatches.join("\n");
        for needle in needles {
            assert!(all.contains(needle), "expected {needle:?} in:\n{all}");
        }
        assert!(mismatches.iter().all(|m| m.starts_with(&label)), "{all}");
        mismatches
    }

    #[test]
    fn ban_with_delete_message_seconds_query_passes() {
        assert_passes(request(
            "PUT",
            "/api/v10/guilds/1/bans/2?delete_message_seconds=0",
            None,
        ));
    }

    #[test]
    fn ban_with_json_body_passes() {
        assert_passes(request(
            "PUT",
            "/api/v10/guilds/1/bans/2",
            Some(json!({"delete_message_seconds": 604800})),
        ));
    }

    #[test]
    fn unknown_query_parameter_fails() {
        assert_fails(
            request("PUT", "/api/v10/guilds/1/bans/2?bogus=1", None),
            &["query parameter `bogus` is not declared"],
        );
        assert_fails(
            request("GET", "/api/v10/guilds/1/members?limit=5&bogus=1", None),
            &["`bogus`", "declared: limit, after"],
        );
    }

    #[test]
    fn delete_message_seconds_above_spec_maximum_fails() {
        // BanUserFromGuildRequest: delete_message_seconds integer, 0..=604800 (seven days).
        assert_fails(
            request(
                "PUT",
                "/api/v10/guilds/1/bans/2?delete_message_seconds=700000",
                None,
            ),
            &[
                "`delete_message_seconds`=\"700000\"",
                "greater than the maximum 604800",
            ],
        );
        assert_fails(
            request(
                "PUT",
                "/api/v10/guilds/1/bans/2",
                Some(json!({"delete_message_seconds": 700000})),
            ),
            &["body /delete_message_seconds: 700000 is greater than the maximum 604800"],
        );
    }

    #[test]
    fn declared_query_parameters_are_type_checked() {
        assert_passes(request(
            "GET",
            "/api/v10/guilds/1/members?limit=1000&after=0",
            None,
        ));
        assert_fails(
            request("GET", "/api/v10/guilds/1/members?limit=1001", None),
            &["`limit`=\"1001\": 1001 is greater than the maximum 1000"],
        );
        assert_fails(
            request("GET", "/api/v10/guilds/1/members?limit=many", None),
            &["expected integer, got string \"many\""],
        );
        assert_fails(
            request("GET", "/api/v10/guilds/1/members/search?limit=5", None),
            &["required query parameter `query` is missing"],
        );
        assert_fails(
            request(
                "POST",
                "/api/v10/interactions/1/tok/callback?with_response=yes",
                Some(json!({"type": 1})),
            ),
            &["`with_response`", "expected boolean"],
        );
    }

    #[test]
    fn timeout_member_patch_passes() {
        assert_passes(request(
            "PATCH",
            "/api/v10/guilds/1/members/2",
            Some(json!({"communication_disabled_until": "2026-01-01T00:00:00Z"})),
        ));
        assert_passes(request(
            "PATCH",
            "/api/v10/guilds/1/members/2",
            Some(json!({"communication_disabled_until": null})),
        ));
    }

    #[test]
    fn timeout_member_patch_with_wrong_type_fails() {
        let mismatches = assert_fails(
            request(
                "PATCH",
                "/api/v10/guilds/1/members/2",
                Some(json!({"communication_disabled_until": 5, "bogus": 1})),
            ),
            &["body /communication_disabled_until: expected string or null, got integer 5"],
        );
        // The schema has no `additionalProperties: false`, so `bogus` itself is allowed.
        if loaded().is_some() {
            assert_eq!(mismatches.len(), 1, "{mismatches:?}");
        }
        assert_fails(
            request(
                "PATCH",
                "/api/v10/guilds/1/members/2",
                Some(json!({"communication_disabled_until": "tomorrow"})),
            ),
            &["string \"tomorrow\" is not a valid \"date-time\""],
        );
    }

    #[test]
    fn create_message_with_embed_passes() {
        assert_passes(request(
            "POST",
            "/api/v10/channels/1/messages",
            Some(json!({"content": "hi", "embeds": [{"title": "x"}]})),
        ));
    }

    #[test]
    fn create_message_with_overlong_embed_title_fails() {
        assert_fails(
            request(
                "POST",
                "/api/v10/channels/1/messages",
                Some(json!({"content": "hi", "embeds": [{"title": "x".repeat(257)}]})),
            ),
            &["body /embeds/0/title: has 257 characters, more than maxLength 256"],
        );
    }

    #[test]
    fn get_current_user_passes() {
        assert_passes(request("GET", "/api/v10/users/@me", None));
    }

    #[test]
    fn literal_segments_beat_parameters() {
        let Some(spec) = loaded() else { return };
        let template = |path: &[&str]| spec.match_route(path).map(|r| r.template.as_str());
        assert_eq!(template(&["users", "@me"]), Some("/users/@me"));
        assert_eq!(template(&["users", "42"]), Some("/users/{user_id}"));
        assert_eq!(
            template(&["webhooks", "1", "tok", "messages", "@original"]),
            Some("/webhooks/{webhook_id}/{webhook_token}/messages/@original")
        );
        assert_eq!(
            template(&["guilds", "1", "bulk-ban"]),
            Some("/guilds/{guild_id}/bulk-ban")
        );
        assert_eq!(template(&["users", ""]), None);
    }

    #[test]
    fn unknown_path_fails() {
        assert_fails(
            request("GET", "/api/v10/guilds/1/nonsense", None),
            &["no path template in the spec matches /guilds/1/nonsense"],
        );
        assert_fails(
            request("GET", "/users/@me", None),
            &["path does not start with /api/v10/"],
        );
    }

    #[test]
    fn method_not_on_path_fails() {
        assert_fails(
            request("POST", "/api/v10/users/@me", Some(json!({}))),
            &["the spec has no POST operation on /users/@me (it has GET, PATCH)"],
        );
    }

    #[test]
    fn path_parameters_are_checked() {
        assert_fails(
            request("GET", "/api/v10/guilds/abc/bans/2", None),
            &["path parameter `guild_id`=\"abc\": string \"abc\" does not match the pattern"],
        );
    }

    #[test]
    fn bulk_overwrite_guild_commands_passes() {
        assert_passes(request(
            "PUT",
            "/api/v10/applications/1/guilds/2/commands",
            Some(json!([
                {
                    "name": "ban",
                    "description": "Ban a member",
                    "type": 1,
                    "options": [
                        {"type": 6, "name": "user", "description": "Who", "required": true},
                        {"type": 3, "name": "reason", "description": "Why", "max_length": 512},
                        {"type": 4, "name": "days", "description": "Delete days", "min_value": 0, "max_value": 7}
                    ],
                    "default_member_permissions": 4,
                    "contexts": [0],
                    "integration_types": [0],
                    "nsfw": false
                },
                {"name": "Report message", "type": 3}
            ])),
        ));
    }

    #[test]
    fn default_member_permissions_may_be_a_decimal_string_and_nothing_else() {
        let commands = |value: Value| {
            request(
                "PUT",
                "/api/v10/applications/1/guilds/2/commands",
                Some(
                    json!([{"name": "mod", "description": "Moderation", "type": 1,
                    "default_member_permissions": value}]),
                ),
            )
        };
        assert_passes(commands(json!("1099511627776")));
        assert_fails(
            commands(json!("MODERATE_MEMBERS")),
            &["body /0/default_member_permissions: expected integer or null, got string"],
        );
    }

    #[test]
    fn invalid_guild_commands_fail() {
        assert_fails(
            request(
                "PUT",
                "/api/v10/applications/1/guilds/2/commands",
                Some(json!([{"description": "no name", "type": 1}, {"name": "x", "type": 9}])),
            ),
            &[
                "body /0: missing required property `name`",
                "body /1/type: integer 9 matches none of the 4 oneOf alternatives",
            ],
        );
        assert_fails(
            request("PUT", "/api/v10/applications/1/guilds/2/commands", None),
            &[
                "sends no body, but the spec requires one",
                "expected array or null",
            ],
        );
    }

    #[test]
    fn interaction_callback_passes() {
        assert_passes(request(
            "POST",
            "/api/v10/interactions/1/tok/callback",
            Some(json!({"type": 4, "data": {"content": "x", "flags": 64}})),
        ));
    }

    #[test]
    fn invalid_interaction_callback_fails() {
        assert_fails(
            request(
                "POST",
                "/api/v10/interactions/1/tok/callback",
                Some(json!({"type": 4, "data": {"content": "x", "flags": "ephemeral"}})),
            ),
            &["body: an object matches none of the 7 anyOf alternatives; closest: /data/flags: expected integer or null"],
        );
    }

    #[test]
    fn bodiless_moderation_calls_pass() {
        if loaded().is_none() {
            return;
        }
        let requests = [
            request("DELETE", "/api/v10/guilds/1/bans/2", None),
            request("DELETE", "/api/v10/guilds/1/members/2", None),
            request("PUT", "/api/v10/guilds/1/members/2/roles/3", None),
            request("DELETE", "/api/v10/guilds/1/members/2/roles/3", None),
            request("DELETE", "/api/v10/channels/1/messages/2", None),
            request("GET", "/api/v10/guilds/1/bans?limit=10", None),
        ];
        assert_eq!(check_requests(&requests), Ok(requests.len()));
    }

    #[test]
    fn body_where_spec_declares_none_fails() {
        assert_fails(
            request("GET", "/api/v10/users/@me", Some(json!({"x": 1}))),
            &["sends a JSON body, but the spec declares no request body for GET /users/@me"],
        );
    }

    #[test]
    fn every_mismatch_of_every_request_is_listed() {
        if loaded().is_none() {
            return;
        }
        let requests = [
            request("GET", "/api/v10/users/@me", None),
            request("GET", "/api/v10/nowhere", None),
            request("PUT", "/api/v10/guilds/1/bans/2?a=1&b=2", None),
        ];
        let mismatches = check_requests(&requests).expect_err("two requests are wrong");
        assert_eq!(mismatches.len(), 3, "{mismatches:#?}");
        assert!(mismatches[0].starts_with("GET /api/v10/nowhere: "));
        assert!(mismatches[1].starts_with("PUT /api/v10/guilds/1/bans/2: query parameter `a`"));
        assert!(mismatches[2].starts_with("PUT /api/v10/guilds/1/bans/2: query parameter `b`"));

        let panic = std::panic::catch_unwind(|| assert_requests_match_spec(&requests))
            .expect_err("assert_requests_match_spec should panic");
        let message = panic
            .downcast_ref::<String>()
            .expect("a formatted panic message");
        assert!(message.starts_with("3 mismatch(es)"), "{message}");
        assert!(message.contains("\n  GET /api/v10/nowhere: "), "{message}");
    }

    #[test]
    fn default_spec_path_is_next_to_the_workspace_root() {
        let root = workspace_root();
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("root Cargo.toml");
        assert!(
            manifest.contains("[workspace]"),
            "{} is not the workspace root",
            root.display()
        );
        if std::env::var_os(SPEC_PATH_ENV).is_none_or(|path| path.is_empty()) {
            assert_eq!(
                spec_path(),
                root.join("../shared/discord-api-spec/openapi.json")
            );
        }
    }

    #[test]
    fn missing_spec_file_is_skipped() {
        let state = load_spec(Path::new("/nonexistent/discord-api-spec/openapi.json"));
        assert!(matches!(state, SpecState::Missing(_)));
        if let SpecState::Missing(_) = spec() {
            assert_eq!(check_requests(&[request("GET", "/nowhere", None)]), Ok(0));
        }
    }

    #[test]
    fn validator_handles_nullable_unions_and_big_integers() {
        let schemas: Map<String, Value> = serde_json::from_value(json!({
            "SnowflakeType": {"type": "string", "pattern": "^(0|[1-9][0-9]*)$", "format": "snowflake"},
            "Perms": {"type": ["integer", "null"], "minimum": 0, "maximum": 18014398509481983u64}
        }))
        .expect("schemas");
        let validator = Validator {
            schemas: &schemas,
            multipart: false,
        };
        let nullable =
            json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/SnowflakeType"}]});
        assert!(validator.check(&nullable, &json!(null)).is_empty());
        assert!(validator.check(&nullable, &json!("123")).is_empty());
        let problems = validator.check(&nullable, &json!("0123"));
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].message.contains("does not match the pattern"),
            "{problems:?}"
        );

        let perms = json!({"$ref": "#/components/schemas/Perms"});
        assert!(validator
            .check(&perms, &json!(18014398509481983u64))
            .is_empty());
        assert_eq!(
            validator.check(&perms, &json!(18014398509481984u64)).len(),
            1
        );
        assert_eq!(validator.check(&perms, &json!("8")).len(), 1);
        assert!(validator
            .check(&json!({"type": "integer"}), &json!(4.0))
            .is_empty());
        assert!(validator
            .check(&json!({"enum": [4]}), &json!(4.0))
            .is_empty());
        assert!(validator
            .check(&json!({"type": "string", "enum": []}), &json!("any"))
            .is_empty());
        let missing = validator.check(&json!({"$ref": "#/components/schemas/Nope"}), &json!(1));
        assert!(missing[0].message.contains("cannot be resolved"));
    }

    #[test]
    fn formats_and_patterns() {
        assert!(is_date_time("2026-01-01T00:00:00Z"));
        assert!(is_date_time("2026-01-01T00:00:00.123+00:00"));
        assert!(!is_date_time("2026-13-01T00:00:00Z"));
        assert!(!is_date_time("2026-01-01T00:00:00"));
        assert!(!is_date_time("2026-01-01"));
        assert!(is_snowflake("0") && is_snowflake("1234567890123"));
        assert!(
            !is_snowflake("") && !is_snowflake("01") && !is_snowflake("-1") && !is_snowflake("1a")
        );
        let colour = "^#(([0-9a-fA-F]{2}){3}|([0-9a-fA-F]){3})$";
        assert_eq!(pattern_matches(colour, "#a1B2c3"), Some(true));
        assert_eq!(pattern_matches(colour, "#abcd"), Some(false));
        assert_eq!(pattern_matches("^x+$", "y"), None);
        assert_eq!(child("/a", "b/c~d"), "/a/b~1c~0d");
    }
}
