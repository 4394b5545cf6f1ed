//! Semantic drift report between two upstream OpenAPI documents.
//!
//! Both documents (raw, as Oura publishes them) are flattened into a sorted map of *subjects*,
//! each carrying a few prose-free *attributes*; the two maps are then compared generically.
//!
//! | subject | attributes |
//! |---|---|
//! | operation (`METHOD /path`) | operationId, effective security requirements |
//! | parameter of an operation (path-level ones merged in) | location, required, type, enum |
//! | request body of an operation | required, type |
//! | response (status code) of an operation | type |
//! | component schema | type, enum |
//! | property of a schema (nested inline objects included) | required, type, enum |
//! | security scheme / OAuth flow / OAuth scope | kind / OAuth URLs / — |
//!
//! Operations, parameters, schemas and properties also carry `deprecated`. A subject whose
//! parent (the operation, schema, property, scheme or flow it belongs to) is itself added or
//! removed is not listed separately.
//!
//! # Canonical types
//!
//! Types are rendered so that representations meaning the same thing compare equal:
//! `$ref` becomes the schema name, a single-member `allOf` becomes its member, `anyOf`, `oneOf`
//! and type arrays become a sorted union (`A | B`), and a `{"type": "null"}` member, a `"null"`
//! type or `nullable: true` make the type `nullable X`. Formats are kept (`string(date-time)`),
//! arrays render as `array<T>`, free-form objects as `map<T>`, schemas without a type as `any`.
//! Enum values are compared as sets (order is irrelevant).
//!
//! # Ignored
//!
//! Prose and presentation: `description`, `summary`, `title`, `example(s)`, `externalDocs`,
//! `tags`, `info`, every `x-*` extension (`x-codeSamples`, `x-owner`, ...). Also `servers`
//! (older copies carry the placeholder host `https://api.None.com`; the normalizer pins the
//! URL) and validation keywords (`minLength`, `default`, ...). When only one document has
//! `components.securitySchemes` (a trimmed export), security schemes and scopes are not compared
//! and [`Report::notes`] says so.
//!
//! # What is breaking
//!
//! A change is breaking when a client generated from the old document can stop compiling or
//! stop working against the new one:
//!
//! - anything removed (operation, parameter, request body, response, schema, property, enum
//!   value, security scheme, OAuth flow or scope) is breaking;
//! - anything added is additive, except a new *required* parameter or request body, and a new
//!   required property of a schema used in requests (the client must now send it);
//! - an enum value added is additive; in a schema reachable from a response it is flagged,
//!   since exhaustive decoders must accept it;
//! - a changed operationId, security requirement, parameter location, type, or OAuth URL is
//!   breaking; a schema becoming or ceasing to be an enum is breaking; deprecation is additive;
//! - required-ness: a parameter or request body becoming required is breaking, becoming
//!   optional is additive. A *property* becoming required is breaking (its generated field type
//!   changes from `Option<T>` to `T`, and a request must now carry it); a property becoming
//!   optional is breaking when the schema is reachable from a response (a decoder that relied
//!   on the field fails when it is absent) and additive only for request-only schemas. Schemas
//!   reachable from no operation count as both request and response schemas.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

/// The differences between two upstream documents.
#[derive(Debug, Default)]
pub struct Report {
    /// One entry per difference, in a stable order: breaking first, then by subject.
    pub changes: Vec<Change>,
    /// Parts of the documents that could not be compared, and why.
    pub notes: Vec<String>,
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Whether a client built from the old document can break against the new one.
    pub breaking: bool,
    /// One Markdown line a reviewer can act on.
    pub text: String,
}

impl Report {
    /// Whether any change is breaking.
    pub fn breaking(&self) -> bool {
        self.changes.iter().any(|c| c.breaking)
    }

    /// The report as Markdown: a summary line, notes, then one list item per change.
    pub fn to_markdown(&self) -> String {
        let breaking = self.changes.iter().filter(|c| c.breaking).count();
        let mut lines = vec![if self.changes.is_empty() {
            "No differences.".to_owned()
        } else {
            let additive = self.changes.len() - breaking;
            format!("**Summary:** {breaking} breaking, {additive} additive.")
        }];
        lines.extend(self.notes.iter().map(|n| format!("\n> Note: {n}")));
        if !self.changes.is_empty() {
            lines.push(String::new());
        }
        lines.extend(self.changes.iter().map(|c| {
            let label = if c.breaking { "breaking" } else { "additive" };
            format!("- **{label}** {}", c.text)
        }));
        lines.join("\n") + "\n"
    }
}

/// Compares two OpenAPI documents: raw upstream ones (normalized ones work too).
pub fn diff(old: &Value, new: &Value) -> Report {
    let (mut old, mut new) = (Model::of(old), Model::of(new));
    let mut notes = Vec::new();
    if old.has_schemes != new.has_schemes {
        let side = if old.has_schemes { "new" } else { "old" };
        notes.push(format!(
            "the {side} document has no `components.securitySchemes`; \
             security schemes and OAuth scopes were not compared."
        ));
        for model in [&mut old, &mut new] {
            model.nodes.retain(|s, _| !matches!(s, Subject::Security { .. }));
        }
    }
    let mut changes = Vec::new();
    let subjects: BTreeSet<&Subject> = old.nodes.keys().chain(new.nodes.keys()).collect();
    for subject in subjects {
        let listed = subject
            .parent()
            .is_none_or(|p| old.nodes.contains_key(&p) && new.nodes.contains_key(&p));
        let mut push = |usage, event| changes.push(change(subject, usage, event));
        match (old.nodes.get(subject), new.nodes.get(subject)) {
            (Some(o), Some(n)) => compare(o, n, &mut push),
            (None, Some(n)) if listed => push(n.usage, Event::Added(n)),
            (Some(o), None) if listed => push(o.usage, Event::Removed),
            _ => {}
        }
    }
    changes.sort_by_key(|c| !c.breaking);
    Report { changes, notes }
}

/// What a subject's record belongs to, ordered so related subjects sort together.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Subject {
    Operation {
        path: String,
        method: String,
        part: Part,
    },
    Schema {
        name: String,
        path: Vec<String>,
    },
    Security {
        scheme: String,
        flow: Option<String>,
        scope: Option<String>,
    },
}

/// The part of an operation a subject is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    Whole,
    Parameter(String),
    RequestBody,
    Response(String),
}

impl Subject {
    /// The subject this one belongs to, if any.
    fn parent(&self) -> Option<Subject> {
        match self {
            Self::Operation { part: Part::Whole, .. } => None,
            Self::Operation { path, method, .. } => Some(Self::Operation {
                path: path.clone(),
                method: method.clone(),
                part: Part::Whole,
            }),
            Self::Schema { name, path } => {
                let mut path = path.split_last()?.1.to_vec();
                if let Some(last) = path.last_mut() {
                    last.truncate(last.trim_end_matches("[]").len());
                    if last.is_empty() {
                        path.pop();
                    }
                }
                Some(Self::Schema {
                    name: name.clone(),
                    path,
                })
            }
            Self::Security { flow: None, .. } => None,
            Self::Security { scheme, flow, scope } => Some(Self::Security {
                scheme: scheme.clone(),
                flow: scope.as_ref().and(flow.clone()),
                scope: None,
            }),
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Operation { path, method, part } => match part {
                Part::Whole => write!(f, "operation `{method} {path}`"),
                Part::Parameter(name) => write!(f, "parameter `{name}` of `{method} {path}`"),
                Part::RequestBody => write!(f, "request body of `{method} {path}`"),
                Part::Response(status) => write!(f, "response `{status}` of `{method} {path}`"),
            },
            Self::Schema { name, path } if path.is_empty() => write!(f, "schema `{name}`"),
            Self::Schema { name, path } => write!(f, "property `{name}.{}`", path.join(".")),
            Self::Security { scheme, flow: None, .. } => write!(f, "security scheme `{scheme}`"),
            Self::Security {
                scheme,
                flow: Some(flow),
                scope: None,
            } => {
                write!(f, "OAuth flow `{flow}` of `{scheme}`")
            }
            Self::Security {
                scheme,
                flow: Some(flow),
                scope: Some(scope),
            } => {
                write!(f, "OAuth scope `{scope}` (`{scheme}`, `{flow}` flow)")
            }
        }
    }
}

/// A prose-free property of a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Attr {
    OperationId,
    Location,
    Required,
    Type,
    Enum,
    Deprecated,
    Security,
    Urls,
}

impl Attr {
    fn name(self) -> &'static str {
        match self {
            Self::OperationId => "operationId",
            Self::Location => "location",
            Self::Required => "required",
            Self::Type => "type",
            Self::Enum => "enum",
            Self::Deprecated => "deprecated",
            Self::Security => "security",
            Self::Urls => "OAuth URLs",
        }
    }

    /// The value an absent attribute stands for.
    fn absent(self) -> Val {
        match self {
            Self::Required | Self::Deprecated => Val::Flag(false),
            Self::Enum => Val::Set(BTreeSet::new()),
            _ => Val::Text("none".to_owned()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Val {
    Flag(bool),
    Text(String),
    Set(BTreeSet<String>),
}

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag(b) => write!(f, "{b}"),
            Self::Text(t) => f.write_str(t),
            Self::Set(s) if s.is_empty() => f.write_str("none"),
            Self::Set(s) => f.write_str(&s.iter().cloned().collect::<Vec<_>>().join(", ")),
        }
    }
}

/// Where a component schema is reachable from.
#[derive(Debug, Clone, Copy, Default)]
struct Usage {
    request: bool,
    response: bool,
}

type Attrs = BTreeMap<Attr, Val>;

#[derive(Debug, Default)]
struct Node {
    attrs: Attrs,
    usage: Usage,
}

enum Event<'a> {
    Added(&'a Node),
    Removed,
    Changed(Attr, Val, Val),
    EnumValue(&'a str, bool),
}

fn compare<'a>(old: &'a Node, new: &'a Node, push: &mut impl FnMut(Usage, Event<'a>)) {
    let usage = Usage {
        request: old.usage.request || new.usage.request,
        response: old.usage.response || new.usage.response,
    };
    let attrs: BTreeSet<Attr> = old.attrs.keys().chain(new.attrs.keys()).copied().collect();
    for attr in attrs {
        match (old.attrs.get(&attr), new.attrs.get(&attr)) {
            (Some(Val::Set(from)), Some(Val::Set(to))) => {
                from.difference(to)
                    .for_each(|v| push(usage, Event::EnumValue(v, false)));
                to.difference(from).for_each(|v| push(usage, Event::EnumValue(v, true)));
            }
            (from, to) => {
                let value = |v: Option<&Val>| v.cloned().unwrap_or_else(|| attr.absent());
                let (from, to) = (value(from), value(to));
                if from != to {
                    push(usage, Event::Changed(attr, from, to));
                }
            }
        }
    }
}

fn change(subject: &Subject, usage: Usage, event: Event<'_>) -> Change {
    let property = matches!(subject, Subject::Schema { path, .. } if !path.is_empty());
    let breaking = match &event {
        Event::Added(node) => {
            let required = node.attrs.get(&Attr::Required) == Some(&Val::Flag(true));
            match subject {
                Subject::Operation {
                    part: Part::Parameter(_) | Part::RequestBody,
                    ..
                } => required,
                Subject::Schema { .. } => property && required && usage.request,
                _ => false,
            }
        }
        Event::Removed => true,
        Event::Changed(Attr::Deprecated, ..) => false,
        Event::Changed(Attr::Required, _, Val::Flag(now)) => *now || (property && usage.response),
        Event::Changed(..) => true,
        Event::EnumValue(_, added) => !added,
    };
    let text = match event {
        Event::Added(node) => {
            let detail: Vec<String> = node
                .attrs
                .iter()
                .filter_map(|(attr, val)| match (attr, val) {
                    (Attr::OperationId, v) => Some(format!("operationId `{v}`")),
                    (Attr::Location, v) => Some(v.to_string()),
                    (Attr::Required, Val::Flag(true)) => Some("required".to_owned()),
                    (Attr::Required, _) => Some("optional".to_owned()),
                    (Attr::Type, v) => Some(format!("`{v}`")),
                    (Attr::Deprecated, Val::Flag(true)) => Some("deprecated".to_owned()),
                    _ => None,
                })
                .collect();
            match detail.is_empty() {
                true => format!("{subject} added"),
                false => format!("{subject} added ({})", detail.join(", ")),
            }
        }
        Event::Removed => format!("{subject} removed"),
        Event::Changed(Attr::Required, _, Val::Flag(true)) => format!("{subject}: now required"),
        Event::Changed(Attr::Required, ..) => format!("{subject}: now optional"),
        Event::Changed(Attr::Deprecated, _, Val::Flag(true)) => format!("{subject}: now deprecated"),
        Event::Changed(Attr::Deprecated, ..) => format!("{subject}: no longer deprecated"),
        Event::Changed(attr, from, to) => {
            format!("{subject}: {} changed from `{from}` to `{to}`", attr.name())
        }
        Event::EnumValue(value, added) => {
            let what = if added { "added" } else { "removed" };
            let flag = if added && usage.response && matches!(subject, Subject::Schema { .. }) {
                " (in responses: decoders must accept it)"
            } else {
                ""
            };
            format!("{subject}: enum value `{value}` {what}{flag}")
        }
    };
    Change { breaking, text }
}

/// A document flattened into subjects.
struct Model {
    nodes: BTreeMap<Subject, Node>,
    has_schemes: bool,
}

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
static NULL: Value = Value::Null;

/// One operation with its effective (path-level merged, `$ref`-resolved) parameters.
struct Operation<'a> {
    path: &'a str,
    method: String,
    op: &'a Value,
    params: Vec<&'a Value>,
}

impl Model {
    fn of(doc: &Value) -> Self {
        let mut nodes = BTreeMap::new();
        let mut add = |subject, attrs, usage| {
            nodes.insert(subject, Node { attrs, usage });
        };
        let operations = operations(doc);
        let usage = usage(doc, &operations);
        for Operation {
            path,
            method,
            op,
            params,
        } in &operations
        {
            let subject = |part| Subject::Operation {
                path: (*path).to_owned(),
                method: method.clone(),
                part,
            };
            let mut attrs = Attrs::new();
            let id = op.get("operationId").and_then(Value::as_str).unwrap_or("none");
            attrs.insert(Attr::OperationId, Val::Text(id.to_owned()));
            let security = security(op.get("security").or_else(|| doc.get("security")));
            attrs.insert(Attr::Security, Val::Text(security));
            deprecated(op, &mut attrs);
            add(subject(Part::Whole), attrs, Usage::default());
            let name = |p: &Value| text(p, "name").to_owned();
            for param in params {
                let (key, location) = (name(param), text(param, "in"));
                let shared = params.iter().filter(|p| name(p) == key).count() > 1;
                let key = if shared { format!("{key} ({location})") } else { key };
                let schema = param.get("schema").or_else(|| media_schema(param));
                let mut attrs = shape(schema.unwrap_or(&NULL));
                attrs.insert(Attr::Location, Val::Text(location.to_owned()));
                let required = flag(param, "required") || location == "path";
                attrs.insert(Attr::Required, Val::Flag(required));
                deprecated(param, &mut attrs);
                add(subject(Part::Parameter(key)), attrs, Usage::default());
            }
            if let Some(body) = op.get("requestBody").map(|b| resolve(doc, b)) {
                let attrs = Attrs::from([
                    (Attr::Required, Val::Flag(flag(body, "required"))),
                    (Attr::Type, Val::Text(content_type(body.get("content")))),
                ]);
                add(subject(Part::RequestBody), attrs, Usage::default());
            }
            for (status, response) in entries(op.get("responses")) {
                let content = resolve(doc, response).get("content");
                let attrs = Attrs::from([(Attr::Type, Val::Text(content_type(content)))]);
                add(subject(Part::Response(status.clone())), attrs, Usage::default());
            }
        }
        for (name, schema) in entries(doc.pointer("/components/schemas")) {
            let everywhere = Usage {
                request: true,
                response: true,
            };
            let usage = usage.get(name).copied().unwrap_or(everywhere);
            schema_nodes(name, Vec::new(), schema, None, usage, &mut add);
        }
        let schemes = doc.pointer("/components/securitySchemes");
        for (scheme, value) in entries(schemes) {
            let value = resolve(doc, value);
            let sec = |flow: Option<&String>, scope: Option<&String>| Subject::Security {
                scheme: scheme.clone(),
                flow: flow.cloned(),
                scope: scope.cloned(),
            };
            let keys = ["type", "scheme", "in", "name", "openIdConnectUrl"];
            let kind = keys.iter().filter_map(|k| value.get(*k)?.as_str());
            let kind = Val::Text(kind.collect::<Vec<_>>().join(" "));
            add(sec(None, None), Attrs::from([(Attr::Type, kind)]), Usage::default());
            for (flow, spec) in entries(value.get("flows")) {
                let keys = ["authorizationUrl", "tokenUrl", "refreshUrl"];
                let urls = keys
                    .iter()
                    .filter_map(|k| Some(format!("{k} {}", spec.get(*k)?.as_str()?)));
                let urls = Val::Text(urls.collect::<Vec<_>>().join(", "));
                add(
                    sec(Some(flow), None),
                    Attrs::from([(Attr::Urls, urls)]),
                    Usage::default(),
                );
                for (scope, _) in entries(spec.get("scopes")) {
                    add(sec(Some(flow), Some(scope)), Attrs::new(), Usage::default());
                }
            }
        }
        Self {
            nodes,
            has_schemes: schemes.is_some(),
        }
    }
}

/// Records a schema (or property) and, recursively, the properties of inline objects in it.
fn schema_nodes(
    name: &str,
    path: Vec<String>,
    schema: &Value,
    required: Option<bool>,
    usage: Usage,
    add: &mut impl FnMut(Subject, Attrs, Usage),
) {
    let mut attrs = shape(schema);
    if let Some(required) = required {
        attrs.insert(Attr::Required, Val::Flag(required));
    }
    let mut base = path.clone();
    add(
        Subject::Schema {
            name: name.to_owned(),
            path,
        },
        attrs,
        usage,
    );
    let Some((object, array)) = inline_object(schema) else {
        return;
    };
    if array {
        match base.last_mut() {
            Some(last) => last.push_str("[]"),
            None => base.push("[]".to_owned()),
        }
    }
    let required: BTreeSet<&str> = object
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for (property, schema) in entries(object.get("properties")) {
        let mut path = base.clone();
        path.push(property.clone());
        let req = Some(required.contains(property.as_str()));
        schema_nodes(name, path, schema, req, usage, add);
    }
}

/// The type, enum values and deprecation of a schema.
fn shape(schema: &Value) -> Attrs {
    let mut attrs = Attrs::from([(Attr::Type, Val::Text(type_of(schema)))]);
    let values = enum_values(schema);
    if !values.is_empty() {
        attrs.insert(Attr::Enum, Val::Set(values));
    }
    deprecated(schema, &mut attrs);
    attrs
}

fn deprecated(value: &Value, attrs: &mut Attrs) {
    if flag(value, "deprecated") {
        attrs.insert(Attr::Deprecated, Val::Flag(true));
    }
}

/// The canonical type of a schema (see the module documentation).
fn type_of(schema: &Value) -> String {
    let (mut alternatives, mut nullable) = (BTreeSet::new(), false);
    alternatives_of(schema, &mut alternatives, &mut nullable);
    let joined = alternatives.iter().cloned().collect::<Vec<_>>().join(" | ");
    match (alternatives.len(), nullable) {
        (0, true) => "null".to_owned(),
        (0, false) => "any".to_owned(),
        (1, true) => format!("nullable {joined}"),
        (_, true) => format!("nullable ({joined})"),
        (_, false) => joined,
    }
}

fn alternatives_of(schema: &Value, out: &mut BTreeSet<String>, nullable: &mut bool) {
    *nullable |= flag(schema, "nullable");
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        out.insert(reference.rsplit('/').next().unwrap_or(reference).to_owned());
        return;
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(members) = schema.get(key).and_then(Value::as_array) {
            members.iter().for_each(|m| alternatives_of(m, out, nullable));
            return;
        }
    }
    match schema.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
        Some([single]) => return alternatives_of(single, out, nullable),
        Some(members) => {
            let all: BTreeSet<String> = members.iter().map(type_of).collect();
            out.insert(format!("allOf({})", all.into_iter().collect::<Vec<_>>().join(" & ")));
            return;
        }
        None => {}
    }
    if let Some(constant) = schema.get("const") {
        out.insert(format!("const {constant}"));
        return;
    }
    let values = schema.get("enum").and_then(Value::as_array);
    *nullable |= values.is_some_and(|v| v.contains(&Value::Null));
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ if values.is_some_and(|v| v.iter().all(|v| v.is_string() || v.is_null())) => vec!["string"],
        _ => vec![],
    };
    if types.is_empty() {
        out.insert("any".to_owned());
    }
    for t in types {
        let rendered = match t {
            "null" => {
                *nullable = true;
                continue;
            }
            "array" => format!("array<{}>", schema.get("items").map_or("any".to_owned(), type_of)),
            "object" if schema.get("properties").is_some() => "object".to_owned(),
            "object" => match schema.get("additionalProperties") {
                Some(Value::Bool(true)) => "map<any>".to_owned(),
                Some(v @ Value::Object(_)) => format!("map<{}>", type_of(v)),
                _ => "object".to_owned(),
            },
            _ => match schema.get("format").and_then(Value::as_str) {
                Some(format) => format!("{t}({format})"),
                None => t.to_owned(),
            },
        };
        out.insert(rendered);
    }
}

/// Sees through a single-member `allOf` and an `anyOf`/`oneOf` with one non-null member.
fn unwrap_schema(schema: &Value) -> &Value {
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(members) = schema.get(key).and_then(Value::as_array) {
            let mut rest = members.iter().filter(|m| m.get("type") != Some(&"null".into()));
            if let (Some(single), None) = (rest.next(), rest.next()) {
                return unwrap_schema(single);
            }
        }
    }
    schema
}

/// The enum values of a schema (or of its array items), as strings; `null` counts as nullability.
fn enum_values(schema: &Value) -> BTreeSet<String> {
    let schema = unwrap_schema(schema);
    match schema.get("enum").and_then(Value::as_array) {
        Some(values) => {
            let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            values.iter().filter(|v| !v.is_null()).map(text).collect()
        }
        None => schema.get("items").map(enum_values).unwrap_or_default(),
    }
}

/// The inline object a schema holds, directly or as array items (`true`).
fn inline_object(schema: &Value) -> Option<(&Value, bool)> {
    let schema = unwrap_schema(schema);
    if schema.get("properties").is_some() {
        return Some((schema, false));
    }
    let items = unwrap_schema(schema.get("items")?);
    items.get("properties").is_some().then_some((items, true))
}

/// The type of a `content` map: the JSON schema's type, other media types prefixed.
fn content_type(content: Option<&Value>) -> String {
    let mut parts: Vec<String> = entries(content)
        .map(|(media, m)| {
            let t = m.get("schema").map_or("any".to_owned(), type_of);
            if media == "application/json" {
                t
            } else {
                format!("{media}: {t}")
            }
        })
        .collect();
    parts.sort();
    if parts.is_empty() {
        "no content".to_owned()
    } else {
        parts.join("; ")
    }
}

/// The schema of a parameter described by `content` instead of `schema`.
fn media_schema(param: &Value) -> Option<&Value> {
    entries(param.get("content")).next()?.1.get("schema")
}

/// Security requirements as `A + B | C[scope]`, alternatives sorted.
fn security(requirements: Option<&Value>) -> String {
    let alternatives: BTreeSet<String> = requirements
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|requirement| {
            let schemes: Vec<String> = entries(Some(requirement))
                .map(|(name, scopes)| {
                    let mut scopes: Vec<&str> = scopes
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    scopes.sort_unstable();
                    match scopes.is_empty() {
                        true => name.clone(),
                        false => format!("{name}[{}]", scopes.join(", ")),
                    }
                })
                .collect();
            if schemes.is_empty() {
                "anonymous".to_owned()
            } else {
                schemes.join(" + ")
            }
        })
        .collect();
    match alternatives.is_empty() {
        true => "none".to_owned(),
        false => alternatives.into_iter().collect::<Vec<_>>().join(" | "),
    }
}

/// Every operation, with path-level parameters merged in (operation-level ones win).
fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let mut out = Vec::new();
    for (path, item) in entries(doc.get("paths")) {
        let item = resolve(doc, item);
        for (method, op) in entries(Some(item)).filter(|(m, _)| METHODS.contains(&m.as_str())) {
            let own = parameters(doc, op);
            let key = |p: &Value| (text(p, "name").to_owned(), text(p, "in").to_owned());
            let mut params: Vec<&Value> = parameters(doc, item)
                .into_iter()
                .filter(|p| own.iter().all(|o| key(o) != key(p)))
                .collect();
            params.extend(own);
            out.push(Operation {
                path,
                method: method.to_uppercase(),
                op,
                params,
            });
        }
    }
    out
}

/// The `$ref`-resolved `parameters` of a path item or operation.
fn parameters<'a>(doc: &'a Value, value: &'a Value) -> Vec<&'a Value> {
    let params = value.get("parameters").and_then(Value::as_array).into_iter().flatten();
    params.map(|p| resolve(doc, p)).collect()
}

/// Which component schemas are reachable from requests and from responses.
fn usage(doc: &Value, operations: &[Operation<'_>]) -> BTreeMap<String, Usage> {
    let (mut requests, mut responses) = (Vec::new(), Vec::new());
    for Operation { op, params, .. } in operations {
        params.iter().for_each(|p| schema_refs(p, &mut requests));
        if let Some(body) = op.get("requestBody") {
            schema_refs(resolve(doc, body), &mut requests);
        }
        for (_, response) in entries(op.get("responses")) {
            schema_refs(resolve(doc, response), &mut responses);
        }
    }
    let schemas = doc.pointer("/components/schemas");
    let mut usage: BTreeMap<String, Usage> = BTreeMap::new();
    for (mut stack, request) in [(requests, true), (responses, false)] {
        let mut seen = BTreeSet::new();
        while let Some(name) = stack.pop() {
            if seen.insert(name.clone()) {
                if let Some(schema) = schemas.and_then(|s| s.get(&name)) {
                    schema_refs(schema, &mut stack);
                }
                let entry = usage.entry(name).or_default();
                entry.request |= request;
                entry.response |= !request;
            }
        }
    }
    usage
}

/// Collects the names of the component schemas referenced anywhere inside `value`.
fn schema_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                out.push(name.to_owned());
            }
            map.values().for_each(|v| schema_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| schema_refs(v, out)),
        _ => {}
    }
}

/// Follows local `$ref`s to non-schema components (parameters, responses, ...).
fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        {
            Some(pointer) => match doc.pointer(pointer) {
                Some(target) => value = target,
                None => break,
            },
            None => break,
        }
    }
    value
}

fn entries(value: Option<&Value>) -> impl Iterator<Item = (&String, &Value)> {
    value.and_then(Value::as_object).into_iter().flatten()
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

fn flag(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use serde_json::{Value, json};

    use super::{Report, diff};

    /// A small document with a response-only model (`Thing`) and a request-only one (`HookRequest`).
    fn base() -> Value {
        json!({
            "openapi": "3.1.0",
            "info": { "title": "Oura", "version": "2.0", "description": "Prose." },
            "servers": [{ "url": "https://api.ouraring.com" }],
            "tags": [{ "name": "Things", "description": "Prose." }],
            "paths": {
                "/v2/things": { "get": {
                    "operationId": "list_things",
                    "summary": "List things",
                    "tags": ["Things"],
                    "parameters": [
                        { "name": "start_date", "in": "query", "required": false, "title": "Start Date",
                          "schema": { "anyOf": [{ "type": "string", "format": "date" }, { "type": "null" }] } },
                        { "name": "next_token", "in": "query", "required": false, "schema": { "type": "string" } },
                        { "name": "order", "in": "query", "schema": { "type": "string", "enum": ["asc", "desc"] } },
                        { "name": "x-trace", "in": "header", "required": true, "schema": { "type": "string" } }
                    ],
                    "responses": { "200": { "description": "OK", "content": {
                        "application/json": { "schema": { "$ref": "#/components/schemas/ThingList" } } } } },
                    "security": [{ "BearerAuth": [] }, { "OAuth2": [] }],
                    "x-codeSamples": [{ "lang": "cURL", "source": "curl https://api.ouraring.com" }]
                } },
                "/v2/hooks": { "post": {
                    "operationId": "create_hook",
                    "requestBody": { "required": true, "content": {
                        "application/json": { "schema": { "$ref": "#/components/schemas/HookRequest" } } } },
                    "responses": { "201": { "description": "Created", "content": {
                        "application/json": { "schema": { "$ref": "#/components/schemas/Hook" } } } } },
                    "security": [{ "BearerAuth": [] }]
                } }
            },
            "components": {
                "schemas": {
                    "Thing": { "type": "object", "title": "Thing", "required": ["id", "kind"], "properties": {
                        "id": { "type": "string", "title": "Id" },
                        "kind": { "$ref": "#/components/schemas/Kind", "description": "Prose." },
                        "score": { "anyOf": [{ "type": "integer" }, { "type": "null" }] },
                        "state": { "anyOf": [{ "type": "string", "enum": ["on", "off"] }, { "type": "null" }] },
                        "when": { "type": "string" },
                        "samples": { "type": "array", "items": {
                            "type": "object", "properties": { "t": { "type": "integer" } } } }
                    } },
                    "ThingList": { "type": "object", "required": ["data"], "properties": {
                        "data": { "type": "array", "items": { "$ref": "#/components/schemas/Thing" } }
                    } },
                    "Kind": { "type": "string", "enum": ["a", "b"] },
                    "HookRequest": { "type": "object", "required": ["url", "event"], "properties": {
                        "url": { "type": "string" },
                        "event": { "$ref": "#/components/schemas/Event" },
                        "secret": { "type": "string" }
                    } },
                    "Event": { "type": "string", "enum": ["create", "delete"] },
                    "Hook": { "type": "object", "required": ["id"], "properties": { "id": { "type": "string" } } }
                },
                "securitySchemes": {
                    "BearerAuth": { "type": "http", "scheme": "bearer" },
                    "OAuth2": { "type": "oauth2", "flows": { "authorizationCode": {
                        "authorizationUrl": "https://cloud.ouraring.com/oauth/authorize",
                        "tokenUrl": "https://api.ouraring.com/oauth/token",
                        "scopes": { "daily": "Daily summaries", "spo2Daily": "SpO2 average" }
                    } } }
                }
            }
        })
    }

    fn edit(change: impl FnOnce(&mut Value)) -> Value {
        let mut doc = base();
        change(&mut doc);
        doc
    }

    /// Each change as `breaking: text` or `additive: text`, in report order.
    fn lines(report: &Report) -> Vec<String> {
        let label = |breaking| if breaking { "breaking" } else { "additive" };
        report
            .changes
            .iter()
            .map(|c| format!("{}: {}", label(c.breaking), c.text))
            .collect()
    }

    fn assert_changes(old: &Value, new: &Value, expected: &[&str]) {
        let report = diff(old, new);
        assert_eq!(lines(&report), expected);
        assert_eq!(report.breaking(), expected.iter().any(|l| l.starts_with("breaking")));
    }

    #[test]
    fn identical_documents_have_no_differences() {
        let report = diff(&base(), &base());
        assert!(report.changes.is_empty() && report.notes.is_empty());
        assert!(!report.breaking());
        assert_eq!(report.to_markdown(), "No differences.\n");
    }

    #[test]
    fn prose_and_equivalent_representations_are_ignored() {
        let new = edit(|d| {
            d["info"]["description"] = json!("Other prose.");
            d["servers"] = json!([{ "url": "https://api.None.com" }]);
            d["tags"] = json!([]);
            let get = &mut d["paths"]["/v2/things"]["get"];
            get["summary"] = json!("Other summary");
            get["description"] = json!("New prose.");
            get["x-codeSamples"] = json!([]);
            get["externalDocs"] = json!({ "url": "https://example.com" });
            get["security"] = json!([{ "OAuth2": [] }, { "BearerAuth": [] }]);
            get["parameters"][0]["schema"] = json!({ "type": ["null", "string"], "format": "date" });
            let thing = &mut d["components"]["schemas"]["Thing"];
            thing["x-owner"] = json!("squad");
            thing["title"] = json!("");
            thing["required"] = json!(["kind", "id"]);
            let props = &mut thing["properties"];
            props["score"] = json!({ "type": "integer", "nullable": true, "examples": [1], "description": "." });
            props["kind"] = json!({ "allOf": [{ "$ref": "#/components/schemas/Kind" }] });
            props["state"] = json!({ "type": ["string", "null"], "enum": ["off", "on", null] });
            d["components"]["schemas"]["Kind"]["enum"] = json!(["b", "a"]);
            let flow = &mut d["components"]["securitySchemes"]["OAuth2"]["flows"]["authorizationCode"];
            flow["scopes"]["daily"] = json!("Reworded");
        });
        assert_changes(&base(), &new, &[]);
    }

    #[test]
    fn operation_changes() {
        let new = edit(|d| {
            let paths = d["paths"].as_object_mut().expect("paths is an object");
            paths.remove("/v2/hooks").expect("hooks path exists");
            let path_param = json!({ "name": "id", "in": "path", "schema": { "type": "string" } });
            let delete = json!({ "operationId": "delete_thing", "responses": { "204": {} } });
            let item = json!({ "parameters": [path_param], "delete": delete });
            paths.insert("/v2/things/{id}".to_owned(), item);
            let get = &mut d["paths"]["/v2/things"]["get"];
            get["operationId"] = json!("get_things");
            get["deprecated"] = json!(true);
            get["security"] = json!([{ "OAuth2": ["daily"] }]);
        });
        assert_changes(
            &base(),
            &new,
            &[
                "breaking: operation `POST /v2/hooks` removed",
                "breaking: operation `GET /v2/things`: operationId changed from `list_things` to `get_things`",
                "breaking: operation `GET /v2/things`: security changed from `BearerAuth | OAuth2` to `OAuth2[daily]`",
                "additive: operation `GET /v2/things`: now deprecated",
                "additive: operation `DELETE /v2/things/{id}` added (operationId `delete_thing`)",
            ],
        );
    }

    #[test]
    fn parameter_and_request_body_changes() {
        let new = edit(|d| {
            let params = d["paths"]["/v2/things"]["get"]["parameters"]
                .as_array_mut()
                .expect("parameters");
            params.retain(|p| p["name"] != "next_token");
            params[0]["required"] = json!(true);
            params[0]["schema"] = json!({ "type": "string", "format": "date-time" });
            params[1]["schema"]["enum"] = json!(["asc", "random"]);
            params[2]["in"] = json!("query");
            params[2]["required"] = json!(false);
            let end = json!({ "type": "string", "format": "date" });
            params.push(json!({ "name": "end_date", "in": "query", "required": true, "schema": end }));
            params.push(json!({ "name": "limit", "in": "query", "schema": { "type": "integer" } }));
            d["paths"]["/v2/hooks"]["post"]["requestBody"]["required"] = json!(false);
        });
        assert_changes(
            &base(),
            &new,
            &[
                "breaking: parameter `end_date` of `GET /v2/things` added (query, required, `string(date)`)",
                "breaking: parameter `next_token` of `GET /v2/things` removed",
                "breaking: parameter `order` of `GET /v2/things`: enum value `desc` removed",
                "breaking: parameter `start_date` of `GET /v2/things`: now required",
                "breaking: parameter `start_date` of `GET /v2/things`: type changed from `nullable string(date)` \
                 to `string(date-time)`",
                "breaking: parameter `x-trace` of `GET /v2/things`: location changed from `header` to `query`",
                "additive: request body of `POST /v2/hooks`: now optional",
                "additive: parameter `limit` of `GET /v2/things` added (query, optional, `integer`)",
                "additive: parameter `order` of `GET /v2/things`: enum value `random` added",
                "additive: parameter `x-trace` of `GET /v2/things`: now optional",
            ],
        );
    }

    #[test]
    fn schema_and_property_changes() {
        let old = edit(|d| {
            let legacy = json!({ "type": "object", "properties": { "x": { "type": "string" } } });
            d["components"]["schemas"]["Legacy"] = legacy;
        });
        let new = edit(|d| {
            let schemas = &mut d["components"]["schemas"];
            schemas["Extra"] = json!({ "type": "object", "properties": { "y": { "type": "string" } } });
            let thing = &mut schemas["Thing"];
            thing["required"] = json!(["id", "kind", "updated"]);
            let props = thing["properties"].as_object_mut().expect("properties");
            props.remove("when");
            props.insert(
                "note".into(),
                json!({ "anyOf": [{ "type": "string" }, { "type": "null" }] }),
            );
            props.insert("updated".into(), json!({ "type": "string", "format": "date-time" }));
            props["samples"]["items"]["properties"] = json!({ "v": { "type": "number" } });
            let request = &mut schemas["HookRequest"];
            request["required"] = json!(["url", "event", "mode"]);
            request["properties"]["mode"] = json!({ "type": "string" });
            request["properties"]["label"] = json!({ "type": "string" });
        });
        assert_changes(
            &old,
            &new,
            &[
                "breaking: property `HookRequest.mode` added (required, `string`)",
                "breaking: schema `Legacy` removed",
                "breaking: property `Thing.samples[].t` removed",
                "breaking: property `Thing.when` removed",
                "additive: schema `Extra` added (`object`)",
                "additive: property `HookRequest.label` added (optional, `string`)",
                "additive: property `Thing.note` added (optional, `nullable string`)",
                "additive: property `Thing.samples[].v` added (optional, `number`)",
                "additive: property `Thing.updated` added (required, `string(date-time)`)",
            ],
        );
    }

    #[test]
    fn required_changes_follow_the_documented_rule() {
        let new = edit(|d| {
            let schemas = &mut d["components"]["schemas"];
            schemas["Thing"]["required"] = json!(["id", "score"]);
            schemas["HookRequest"]["required"] = json!(["event", "secret"]);
        });
        assert_changes(
            &base(),
            &new,
            &[
                "breaking: property `HookRequest.secret`: now required",
                "breaking: property `Thing.kind`: now optional",
                "breaking: property `Thing.score`: now required",
                "additive: property `HookRequest.url`: now optional",
            ],
        );
    }

    #[test]
    fn enum_value_changes() {
        let new = edit(|d| {
            let schemas = &mut d["components"]["schemas"];
            schemas["Kind"]["enum"] = json!(["b", "c"]);
            schemas["Event"]["enum"] = json!(["create", "update"]);
            let props = &mut schemas["Thing"]["properties"];
            props["state"]["anyOf"][0]["enum"] = json!(["on", "off", "idle"]);
            props["when"]["enum"] = json!(["now"]);
        });
        assert_changes(
            &base(),
            &new,
            &[
                "breaking: schema `Event`: enum value `delete` removed",
                "breaking: schema `Kind`: enum value `a` removed",
                "breaking: property `Thing.when`: enum changed from `none` to `now`",
                "additive: schema `Event`: enum value `update` added",
                "additive: schema `Kind`: enum value `c` added (in responses: decoders must accept it)",
                "additive: property `Thing.state`: enum value `idle` added (in responses: decoders must accept it)",
            ],
        );
    }

    #[test]
    fn type_changes_including_nullability() {
        let new = edit(|d| {
            let ok = &mut d["paths"]["/v2/things"]["get"]["responses"]["200"]["content"]["application/json"];
            ok["schema"] = json!({ "type": "array", "items": { "$ref": "#/components/schemas/Thing" } });
            let props = &mut d["components"]["schemas"]["Thing"]["properties"];
            props["id"] = json!({ "type": ["string", "null"] });
            props["kind"] = json!({ "anyOf": [{ "$ref": "#/components/schemas/Kind" }, { "type": "null" }] });
            props["score"]["anyOf"][0] = json!({ "type": "number" });
            props["state"] = json!({ "type": "string", "enum": ["on", "off"] });
            props["when"]["format"] = json!("date-time");
        });
        assert_changes(
            &base(),
            &new,
            &[
                "breaking: response `200` of `GET /v2/things`: type changed from `ThingList` to `array<Thing>`",
                "breaking: property `Thing.id`: type changed from `string` to `nullable string`",
                "breaking: property `Thing.kind`: type changed from `Kind` to `nullable Kind`",
                "breaking: property `Thing.score`: type changed from `nullable integer` to `nullable number`",
                "breaking: property `Thing.state`: type changed from `nullable string` to `string`",
                "breaking: property `Thing.when`: type changed from `string` to `string(date-time)`",
            ],
        );
    }

    #[test]
    fn security_scheme_and_oauth_scope_changes() {
        let new = edit(|d| {
            let schemes = &mut d["components"]["securitySchemes"];
            schemes.as_object_mut().expect("schemes").remove("BearerAuth");
            schemes["ClientIdAuth"] = json!({ "type": "apiKey", "in": "header", "name": "x-client-id" });
            let flow = &mut schemes["OAuth2"]["flows"]["authorizationCode"];
            flow["tokenUrl"] = json!("https://api.ouraring.com/oauth/v2/token");
            flow["scopes"] = json!({ "daily": "Daily", "spo2": "SpO2", "heart_health": "Heart" });
        });
        assert_changes(
            &base(),
            &new,
            &[
                "breaking: security scheme `BearerAuth` removed",
                "breaking: OAuth flow `authorizationCode` of `OAuth2`: OAuth URLs changed from \
                 `authorizationUrl https://cloud.ouraring.com/oauth/authorize, \
                 tokenUrl https://api.ouraring.com/oauth/token` to \
                 `authorizationUrl https://cloud.ouraring.com/oauth/authorize, \
                 tokenUrl https://api.ouraring.com/oauth/v2/token`",
                "breaking: OAuth scope `spo2Daily` (`OAuth2`, `authorizationCode` flow) removed",
                "additive: security scheme `ClientIdAuth` added (`apiKey header x-client-id`)",
                "additive: OAuth scope `heart_health` (`OAuth2`, `authorizationCode` flow) added",
                "additive: OAuth scope `spo2` (`OAuth2`, `authorizationCode` flow) added",
            ],
        );
    }

    #[test]
    fn missing_security_schemes_are_noted_not_diffed() {
        let trimmed = edit(|d| {
            d["components"]
                .as_object_mut()
                .expect("components")
                .remove("securitySchemes");
        });
        let report = diff(&base(), &trimmed);
        assert_eq!(lines(&report), Vec::<String>::new());
        assert!(!report.breaking());
        assert_eq!(
            report.to_markdown(),
            "No differences.\n\n> Note: the new document has no `components.securitySchemes`; \
             security schemes and OAuth scopes were not compared.\n"
        );
    }

    #[test]
    fn markdown_has_summary_then_marked_items() {
        let new = edit(|d| d["components"]["schemas"]["Kind"]["enum"] = json!(["b", "c"]));
        assert_eq!(
            diff(&base(), &new).to_markdown(),
            "**Summary:** 1 breaking, 1 additive.\n\n\
             - **breaking** schema `Kind`: enum value `a` removed\n\
             - **additive** schema `Kind`: enum value `c` added (in responses: decoders must accept it)\n"
        );
    }

    /// The shared context directory: `$OURA_SHARED`, else `../shared` beside the workspace.
    fn shared_dir() -> PathBuf {
        std::env::var_os("OURA_SHARED").map_or_else(
            || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")),
            PathBuf::from,
        )
    }

    /// Reads `oura/openapi/openapi-<version>.json` from the shared directory; fails when it is missing.
    fn upstream(version: &str) -> Value {
        let dir = shared_dir().join("oura").join("openapi");
        assert!(
            dir.is_dir(),
            "the shared upstream specs are missing: {} (set OURA_SHARED to the shared context directory)",
            dir.display()
        );
        let path = dir.join(format!("openapi-{version}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
    }

    #[test]
    fn upstream_1_35_to_newest_reports_exactly_the_known_drift() {
        let report = diff(&upstream("1.35"), &upstream("newest"));
        assert_eq!(
            lines(&report),
            [
                "breaking: schema `ExtApiV2DataType`: enum value `meal` removed",
                "breaking: OAuth scope `spo2Daily` (`OAuth2`, `authorizationCode` flow) removed",
                "additive: schema `PublicWorkoutSource`: enum value `live_oura_heart_rate` added \
                 (in responses: decoders must accept it)",
                "additive: schema `PublicWorkoutSource`: enum value `live_third_party_heart_rate` added \
                 (in responses: decoders must accept it)",
                "additive: property `ValidationError.ctx` added (optional, `object`)",
                "additive: property `ValidationError.input` added (optional, `any`)",
                "additive: OAuth scope `heart_health` (`OAuth2`, `authorizationCode` flow) added",
                "additive: OAuth scope `spo2` (`OAuth2`, `authorizationCode` flow) added",
            ]
        );
        assert!(report.notes.is_empty());
        assert!(report.breaking());
    }

    #[test]
    fn upstream_copies_equal_themselves() {
        for version in ["1.23", "1.27", "1.29", "1.35", "newest"] {
            let doc = upstream(version);
            let report = diff(&doc, &doc);
            assert_eq!(lines(&report), Vec::<String>::new(), "{version}");
            assert!(!report.breaking(), "{version}");
        }
    }

    #[test]
    fn upstream_renames_show_as_removed_and_added() {
        let all = lines(&diff(&upstream("1.27"), &upstream("1.29")));
        assert!(all.iter().any(|l| l == "breaking: schema `DailySleepModel` removed"));
        assert!(
            all.iter()
                .any(|l| l == "additive: schema `PublicDailySleep` added (`object`)")
        );
        // `allOf: [$ref]` (1.23) and a bare `$ref` (1.27) are the same type.
        let all = lines(&diff(&upstream("1.23"), &upstream("1.27")));
        assert!(!all.iter().any(|l| l.contains("DailySleepModel.timestamp")));
        assert!(
            all.iter()
                .any(|l| l.contains("`TagModel.timestamp`: type changed from `string(date-time)`"))
        );
    }
}
