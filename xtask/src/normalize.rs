//! Normalization: turns Oura's OpenAPI 3.1 document into the 3.0 document progenitor reads.
//!
//! Every transformation is a named [`Step`] over the JSON with a count of what it changed, so a
//! reviewer sees in `cargo xtask spec fetch` output (and in the provenance record) what was
//! rewritten, and a new upstream construct shows up as a count that moved.

use serde_json::{Map, Value, json};

/// One named transformation of the document.
pub struct Step {
    /// Stable name, used in reports and the provenance record.
    pub name: &'static str,
    /// Applies the step and returns how many places it changed.
    pub apply: fn(&mut Value) -> usize,
}

/// The steps, in the order they run. Later steps rely on earlier ones (the date parameters
/// are recognized after their `null` branch was folded into `nullable`).
pub const STEPS: &[Step] = &[
    Step {
        name: "openapi_3_0",
        apply: openapi_3_0,
    },
    Step {
        name: "drop_prose",
        apply: drop_prose,
    },
    Step {
        name: "drop_examples",
        apply: drop_examples,
    },
    Step {
        name: "drop_empty_titles",
        apply: drop_empty_titles,
    },
    Step {
        name: "fix_servers",
        apply: fix_servers,
    },
    Step {
        name: "inline_scalar_aliases",
        apply: inline_scalar_aliases,
    },
    Step {
        name: "nullable_any_of",
        apply: nullable_any_of,
    },
    Step {
        name: "plain_date_params",
        apply: plain_date_params,
    },
    Step {
        name: "typed_page_responses",
        apply: typed_page_responses,
    },
    Step {
        name: "drop_untyped_error_responses",
        apply: drop_untyped_error_responses,
    },
    Step {
        name: "relax_live_required",
        apply: relax_live_required,
    },
    Step {
        name: "drop_string_constraints",
        apply: drop_string_constraints,
    },
    Step {
        name: "short_operation_ids",
        apply: short_operation_ids,
    },
];

/// What one run of the pipeline changed: `(step name, count)` in step order.
pub type Counts = Vec<(&'static str, usize)>;

/// Runs every step over `doc`.
pub fn normalize(doc: &mut Value) -> Counts {
    STEPS.iter().map(|step| (step.name, (step.apply)(doc))).collect()
}

/// The production server, used when upstream omits it or ships a broken one.
pub const SERVER_URL: &str = "https://api.ouraring.com";

/// Sets the version to 3.0.3: progenitor reads only 3.0 documents. The 3.1-only constructs
/// Oura uses (`type: null` branches) are rewritten by the steps below.
fn openapi_3_0(doc: &mut Value) -> usize {
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0") => 0,
        _ => {
            doc["openapi"] = json!("3.0.3");
            1
        }
    }
}

/// Removes every `description` and `summary` text (and the code samples, tag texts and
/// external documentation links): the committed spec and generated code carry names, types,
/// enum values and titles only. Response descriptions are required by OpenAPI 3.0, so they
/// become empty; so do OAuth scope descriptions (the scope names stay).
fn drop_prose(doc: &mut Value) -> usize {
    fn walk(value: &mut Value, in_properties: bool, count: &mut usize) {
        match value {
            Value::Object(map) => {
                if !in_properties {
                    for key in ["description", "summary", "x-codeSamples", "externalDocs"] {
                        if map.shift_remove(key).is_some() {
                            *count += 1;
                        }
                    }
                }
                for (key, child) in map.iter_mut() {
                    // Keys of `properties` are property names, which may be "description".
                    let child_is_properties = !in_properties && key == "properties";
                    walk(child, child_is_properties, count);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| walk(item, false, count)),
            _ => {}
        }
    }
    let mut count = 0;
    walk(doc, false, &mut count);
    // Responses must keep a (now empty) description in OpenAPI 3.0.
    for_each_operation(doc, |_, _, op| {
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for response in responses.values_mut() {
                if let Some(map) = response.as_object_mut() {
                    map.insert("description".into(), json!(""));
                }
            }
        }
    });
    if let Some(schemes) = doc
        .pointer_mut("/components/securitySchemes")
        .and_then(Value::as_object_mut)
    {
        for scheme in schemes.values_mut() {
            let Some(flows) = scheme.get_mut("flows").and_then(Value::as_object_mut) else {
                continue;
            };
            for flow in flows.values_mut() {
                let Some(scopes) = flow.get_mut("scopes").and_then(Value::as_object_mut) else {
                    continue;
                };
                for text in scopes.values_mut() {
                    if text.as_str().is_some_and(|t| !t.is_empty()) {
                        *text = json!("");
                        count += 1;
                    }
                }
            }
        }
    }
    count
}

/// Removes `example`/`examples`: upstream sample values are not facts the client needs, and
/// 3.1's `examples` array is not valid 3.0.
fn drop_examples(doc: &mut Value) -> usize {
    fn walk(value: &mut Value, in_properties: bool, count: &mut usize) {
        match value {
            Value::Object(map) => {
                if !in_properties {
                    for key in ["example", "examples"] {
                        if map.shift_remove(key).is_some() {
                            *count += 1;
                        }
                    }
                }
                for (key, child) in map.iter_mut() {
                    walk(child, !in_properties && key == "properties", count);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| walk(item, false, count)),
            _ => {}
        }
    }
    let mut count = 0;
    walk(doc, false, &mut count);
    count
}

/// Removes `"title": ""`. typify names an inline type after its title, so every empty title
/// collapses unrelated types into one type named `X`.
fn drop_empty_titles(doc: &mut Value) -> usize {
    let mut count = 0;
    visit_schemas(doc, &mut |schema| {
        if schema.get("title").and_then(Value::as_str) == Some("") {
            schema.shift_remove("title");
            count += 1;
        }
    });
    count
}

/// Sets the server list to the production API when upstream omits it or names a host that
/// does not exist (older copies say `https://api.None.com`).
fn fix_servers(doc: &mut Value) -> usize {
    let good = doc.get("servers").and_then(Value::as_array).is_some_and(|servers| {
        servers
            .iter()
            .any(|s| s.get("url").and_then(Value::as_str) == Some(SERVER_URL))
    });
    if good {
        return 0;
    }
    doc["servers"] = json!([{ "url": SERVER_URL }]);
    1
}

/// Inlines component schemas that only name a scalar or an array (`ISODate`, `UtcDateTime`,
/// `LocalizedDateTime`, nullable float arrays, ...) and removes them, so fields get native types
/// (`NaiveDate`, `DateTime<FixedOffset>`, `Vec<Option<f64>>`) instead of newtype wrappers. Oura
/// declares its date aliases as bare strings; the format comes from the name: `...DateTime` is
/// a date-time, `...Date` a date.
fn inline_scalar_aliases(doc: &mut Value) -> usize {
    let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) else {
        return 0;
    };
    let aliases: Map<String, Value> = schemas
        .iter()
        .filter(|(_, schema)| {
            let kind = schema.get("type").and_then(Value::as_str);
            matches!(kind, Some("string" | "integer" | "number" | "boolean" | "array"))
                && schema.get("enum").is_none()
                && schema.get("properties").is_none()
        })
        .map(|(name, schema)| {
            let mut schema = schema.as_object().cloned().unwrap_or_default();
            schema.shift_remove("title");
            if schema.get("type").and_then(Value::as_str) == Some("string") && !schema.contains_key("format") {
                if name.ends_with("DateTime") {
                    schema.insert("format".into(), json!("date-time"));
                } else if name.ends_with("Date") {
                    schema.insert("format".into(), json!("date"));
                }
            }
            (format!("#/components/schemas/{name}"), Value::Object(schema))
        })
        .collect();
    for reference in aliases.keys() {
        if let Some(name) = reference.rsplit('/').next() {
            schemas.shift_remove(name);
        }
    }
    let mut count = 0;
    visit_schemas(doc, &mut |schema| {
        let Some(target) = schema.get("$ref").and_then(Value::as_str).and_then(|r| aliases.get(r)) else {
            return;
        };
        let target = target.as_object().cloned().unwrap_or_default();
        schema.shift_remove("$ref");
        for (key, value) in target {
            schema.entry(key).or_insert(value);
        }
        count += 1;
    });
    count
}

/// Rewrites 3.1's `anyOf [X, {type: null}]` as 3.0's nullable `X`. An inline `X` is merged into
/// the schema; a `$ref` becomes `allOf [$ref]` (3.0 ignores siblings of `$ref`). With more than
/// one non-null branch the `anyOf` stays, minus its null branch.
fn nullable_any_of(doc: &mut Value) -> usize {
    let mut count = 0;
    visit_schemas(doc, &mut |schema| {
        let Some(Value::Array(branches)) = schema.get("anyOf") else {
            return;
        };
        let is_null = |b: &Value| b.get("type").and_then(Value::as_str) == Some("null");
        if !branches.iter().any(is_null) {
            return;
        }
        let rest: Vec<Value> = branches.iter().filter(|b| !is_null(b)).cloned().collect();
        schema.shift_remove("anyOf");
        schema.insert("nullable".into(), json!(true));
        count += 1;
        match <[Value; 1]>::try_from(rest) {
            Ok([Value::Object(only)]) if only.contains_key("$ref") => {
                schema.insert("allOf".into(), json!([only]));
            }
            Ok([Value::Object(only)]) => {
                for (key, value) in only {
                    schema.entry(key).or_insert(value);
                }
            }
            Ok([other]) => {
                schema.insert("allOf".into(), json!([other]));
            }
            Err(rest) => {
                schema.insert("anyOf".into(), Value::Array(rest));
            }
        }
    });
    count
}

/// Types the `start_date`/`end_date` query parameters, declared `anyOf [date-time, date]`, as
/// plain dates: typify would make the parameter a struct that cannot be sent as a query value.
/// Oura reads them as days in the user's time zone.
fn plain_date_params(doc: &mut Value) -> usize {
    let mut count = 0;
    for_each_operation(doc, |_, _, op| {
        let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
            return;
        };
        for param in params {
            let Some(schema) = param.get_mut("schema").and_then(Value::as_object_mut) else {
                continue;
            };
            let Some(Value::Array(branches)) = schema.get("anyOf") else {
                continue;
            };
            let formats: Vec<&str> = branches
                .iter()
                .filter_map(|b| b.get("format").and_then(Value::as_str))
                .collect();
            if formats.contains(&"date") && formats.len() == branches.len() {
                schema.shift_remove("anyOf");
                schema.insert("type".into(), json!("string"));
                schema.insert("format".into(), json!("date"));
                count += 1;
            }
        }
    });
    count
}

/// Reduces 200 responses declared `anyOf [typed page, untyped dict]` to the typed page. The
/// dict branch describes `fields` projections, which the client reads as raw JSON instead.
fn typed_page_responses(doc: &mut Value) -> usize {
    let mut count = 0;
    for_each_operation(doc, |_, _, op| {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return;
        };
        for (status, response) in responses.iter_mut() {
            if !status.starts_with('2') {
                continue;
            }
            let Some(schema) = response.pointer_mut("/content/application~1json/schema") else {
                continue;
            };
            let Some(Value::Array(branches)) = schema.get("anyOf") else {
                continue;
            };
            let typed: Vec<&Value> = branches
                .iter()
                .filter(|b| {
                    b.get("$ref")
                        .and_then(Value::as_str)
                        .is_some_and(|r| !r.ends_with("Dict"))
                })
                .collect();
            if typed.len() == 1 && branches.len() == 2 {
                *schema = typed[0].clone();
                count += 1;
            }
        }
    });
    count
}

/// Removes 4xx/5xx responses that declare no body. progenitor allows one error type per
/// operation; the typed one left is the validation error (422). The facade maps every status
/// itself from the raw response, so nothing is lost.
fn drop_untyped_error_responses(doc: &mut Value) -> usize {
    let mut count = 0;
    for_each_operation(doc, |_, _, op| {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return;
        };
        let before = responses.len();
        responses.retain(|status, response| {
            let error = status.starts_with('4') || status.starts_with('5') || status == "default";
            !(error && response.get("content").is_none())
        });
        count += before - responses.len();
    });
    count
}

/// Fields the live API omits although the spec marks them required (see the recorded
/// exchanges): `(collection route, field)`. The document schema is found through the route's
/// 200 response, so the rule survives schema renames between spec versions.
pub const LIVE_OPTIONAL_FIELDS: &[(&str, &str)] = &[
    // Documents recorded in December 2024 have no `id`.
    ("daily_cardiovascular_age", "id"),
    // Older samples have no `timestamp_unix`.
    ("heartrate", "timestamp_unix"),
];

/// Makes the [`LIVE_OPTIONAL_FIELDS`] optional, so one odd document decodes instead of failing
/// its whole page.
fn relax_live_required(doc: &mut Value) -> usize {
    let mut count = 0;
    for (collection, field) in LIVE_OPTIONAL_FIELDS {
        let path = format!("/v2/usercollection/{collection}");
        let Some(item) = page_item_schema_name(doc, &path) else {
            continue;
        };
        let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{item}")) else {
            continue;
        };
        let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) else {
            continue;
        };
        let before = required.len();
        required.retain(|name| name.as_str() != Some(field));
        count += before - required.len();
    }
    count
}

/// Removes `minLength`/`maxLength`/`pattern` from string schemas. Validating what the server
/// sent is not the client's job, and typify turns each constrained string into a newtype per
/// model (`PublicDailySleepId(String)`), where users expect a plain `String` id.
fn drop_string_constraints(doc: &mut Value) -> usize {
    let mut count = 0;
    visit_schemas(doc, &mut |schema| {
        for key in ["minLength", "maxLength", "pattern"] {
            if schema.shift_remove(key).is_some() {
                count += 1;
            }
        }
    });
    count
}

/// Shortens FastAPI's operation ids, `<name>_<path as identifier>_<method>`, to `<name>` in
/// snake case: `Multiple_daily_sleep_Documents_v2_usercollection_daily_sleep_get` becomes
/// `multiple_daily_sleep_documents`, the method name on the generated client.
fn short_operation_ids(doc: &mut Value) -> usize {
    let mut count = 0;
    for_each_operation(doc, |path, method, op| {
        let Some(id) = op.get("operationId").and_then(Value::as_str) else {
            return;
        };
        let suffix: String = format!("{path}_{method}")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let Some(name) = id.strip_suffix(&suffix) else { return };
        let short = name
            .split('_')
            .filter(|part| !part.is_empty())
            .map(str::to_ascii_lowercase)
            .collect::<Vec<_>>()
            .join("_");
        if !short.is_empty() && short != id {
            op.insert("operationId".into(), json!(short));
            count += 1;
        }
    });
    count
}

/// The component name of the documents in the 200 page of a list route.
pub fn page_item_schema_name(doc: &Value, path: &str) -> Option<String> {
    let op = doc.get("paths")?.get(path)?.get("get")?;
    let page = op.pointer("/responses/200/content/application~1json/schema")?;
    let page = match page.get("anyOf").and_then(Value::as_array) {
        Some(branches) => branches.first()?,
        None => page,
    };
    let page_name = ref_name(page.get("$ref")?.as_str()?)?;
    let items = doc.pointer(&format!("/components/schemas/{page_name}/properties/data/items"))?;
    Some(ref_name(items.get("$ref")?.as_str()?)?.to_owned())
}

fn ref_name(reference: &str) -> Option<&str> {
    reference.strip_prefix("#/components/schemas/")
}

/// Calls `f(path, method, operation)` for every operation.
pub fn for_each_operation(doc: &mut Value, mut f: impl FnMut(&str, &str, &mut Map<String, Value>)) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, op) in item.iter_mut() {
            if let Some(op) = op.as_object_mut() {
                f(path, method, op);
            }
        }
    }
}

/// Calls `f` on every schema object: component schemas, parameter and response schemas, and
/// every subschema below them (properties, items, `anyOf`/`allOf`/`oneOf` branches).
fn visit_schemas(doc: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    fn schema(value: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
        let Some(map) = value.as_object_mut() else { return };
        f(map);
        for key in ["items", "additionalProperties", "not"] {
            if let Some(child) = map.get_mut(key) {
                schema(child, f);
            }
        }
        if let Some(props) = map.get_mut("properties").and_then(Value::as_object_mut) {
            props.values_mut().for_each(|child| schema(child, f));
        }
        for key in ["anyOf", "allOf", "oneOf"] {
            if let Some(branches) = map.get_mut(key).and_then(Value::as_array_mut) {
                branches.iter_mut().for_each(|child| schema(child, f));
            }
        }
    }
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        schemas.values_mut().for_each(|child| schema(child, f));
    }
    for_each_operation(doc, |_, _, op| {
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            for param in params {
                if let Some(child) = param.get_mut("schema") {
                    schema(child, f);
                }
            }
        }
        let mut bodies: Vec<&mut Value> = Vec::new();
        for (key, value) in op.iter_mut() {
            match key.as_str() {
                "requestBody" => bodies.extend(value.get_mut("content")),
                "responses" => {
                    if let Some(responses) = value.as_object_mut() {
                        bodies.extend(responses.values_mut().filter_map(|r| r.get_mut("content")));
                    }
                }
                _ => {}
            }
        }
        for content in bodies {
            if let Some(media) = content.as_object_mut() {
                for media_type in media.values_mut() {
                    if let Some(child) = media_type.get_mut("schema") {
                        schema(child, f);
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(step: &str, doc: &mut Value) -> usize {
        let step = STEPS.iter().find(|s| s.name == step).expect("step exists");
        (step.apply)(doc)
    }

    fn op_doc(params: Value, responses: Value) -> Value {
        json!({
            "openapi": "3.1.0",
            "paths": { "/v2/usercollection/x": { "get": { "parameters": params, "responses": responses } } },
            "components": { "schemas": {} }
        })
    }

    #[test]
    fn nullable_any_of_merges_inline_and_wraps_refs() {
        let mut doc = json!({ "components": { "schemas": { "M": { "type": "object", "properties": {
            "a": { "anyOf": [{ "type": "integer" }, { "type": "null" }], "title": "A" },
            "b": { "anyOf": [{ "$ref": "#/components/schemas/N" }, { "type": "null" }] },
            "c": { "anyOf": [{ "type": "string" }, { "type": "integer" }, { "type": "null" }] },
            "d": { "anyOf": [{ "type": "string" }, { "type": "integer" }] }
        } } } } });
        assert_eq!(run("nullable_any_of", &mut doc), 3);
        let props = &doc["components"]["schemas"]["M"]["properties"];
        assert_eq!(props["a"], json!({ "title": "A", "nullable": true, "type": "integer" }));
        assert_eq!(
            props["b"],
            json!({ "nullable": true, "allOf": [{ "$ref": "#/components/schemas/N" }] })
        );
        assert_eq!(
            props["c"],
            json!({ "nullable": true, "anyOf": [{ "type": "string" }, { "type": "integer" }] })
        );
        assert_eq!(props["d"]["anyOf"].as_array().map(Vec::len), Some(2));
        assert_eq!(run("nullable_any_of", &mut doc), 0, "idempotent");
    }

    #[test]
    fn date_params_become_plain_dates_after_null_folding() {
        let mut doc = op_doc(
            json!([
                { "name": "start_date", "in": "query", "schema": { "anyOf": [
                    { "type": "string", "format": "date-time" },
                    { "type": "string", "format": "date" },
                    { "type": "null" }
                ] } },
                { "name": "start_datetime", "in": "query", "schema": { "anyOf": [
                    { "type": "string", "format": "date-time" }, { "type": "null" }
                ] } }
            ]),
            json!({}),
        );
        assert_eq!(run("nullable_any_of", &mut doc), 2);
        assert_eq!(run("plain_date_params", &mut doc), 1);
        let params = &doc["paths"]["/v2/usercollection/x"]["get"]["parameters"];
        assert_eq!(
            params[0]["schema"],
            json!({ "nullable": true, "type": "string", "format": "date" })
        );
        assert_eq!(
            params[1]["schema"],
            json!({ "nullable": true, "type": "string", "format": "date-time" })
        );
    }

    #[test]
    fn typed_page_keeps_the_typed_branch_and_untyped_errors_go() {
        let mut doc = op_doc(
            json!([]),
            json!({
                "200": { "description": "ok", "content": { "application/json": { "schema": { "anyOf": [
                    { "$ref": "#/components/schemas/MultiDocumentResponse_X_" },
                    { "$ref": "#/components/schemas/MultiDocumentResponseDict" }
                ] } } } },
                "400": { "description": "bad" },
                "429": { "description": "slow down" },
                "422": { "description": "invalid", "content": { "application/json": { "schema": {
                    "$ref": "#/components/schemas/HTTPValidationError" } } } }
            }),
        );
        assert_eq!(run("typed_page_responses", &mut doc), 1);
        assert_eq!(run("drop_untyped_error_responses", &mut doc), 2);
        let responses = &doc["paths"]["/v2/usercollection/x"]["get"]["responses"];
        assert_eq!(
            responses["200"]["content"]["application/json"]["schema"],
            json!({ "$ref": "#/components/schemas/MultiDocumentResponse_X_" })
        );
        let statuses: Vec<&String> = responses.as_object().map(|m| m.keys().collect()).unwrap_or_default();
        assert_eq!(statuses, ["200", "422"]);
    }

    #[test]
    fn prose_goes_but_a_property_named_description_stays() {
        let mut doc = json!({
            "info": { "title": "Oura", "description": "long text" },
            "paths": { "/p": { "get": {
                "summary": "s", "description": "d", "x-codeSamples": [],
                "responses": { "200": { "description": "ok" } }
            } } },
            "components": {
                "schemas": { "M": { "description": "m", "properties": {
                    "description": { "type": "string", "description": "the field" }
                } } },
                "securitySchemes": { "O": { "type": "oauth2", "flows": { "authorizationCode": {
                    "scopes": { "daily": "Daily summaries" } } } } }
            }
        });
        assert_eq!(run("drop_prose", &mut doc), 8);
        assert_eq!(doc["info"], json!({ "title": "Oura" }));
        assert_eq!(
            doc["paths"]["/p"]["get"],
            json!({ "responses": { "200": { "description": "" } } })
        );
        assert_eq!(
            doc["components"]["schemas"]["M"],
            json!({ "properties": { "description": { "type": "string" } } })
        );
        assert_eq!(
            doc["components"]["securitySchemes"]["O"]["flows"]["authorizationCode"]["scopes"],
            json!({ "daily": "" })
        );
    }

    #[test]
    fn empty_titles_version_and_servers() {
        let mut doc = json!({
            "openapi": "3.1.0",
            "servers": [{ "url": "https://api.None.com" }],
            "components": { "schemas": { "M": { "title": "M", "properties": {
                "a": { "title": "", "type": "string" }, "b": { "title": "B", "type": "string" }
            } } } }
        });
        assert_eq!(run("openapi_3_0", &mut doc), 1);
        assert_eq!(run("fix_servers", &mut doc), 1);
        assert_eq!(run("drop_empty_titles", &mut doc), 1);
        assert_eq!(doc["openapi"], "3.0.3");
        assert_eq!(doc["servers"], json!([{ "url": SERVER_URL }]));
        assert_eq!(
            doc["components"]["schemas"]["M"]["properties"]["a"],
            json!({ "type": "string" })
        );
        assert_eq!(doc["components"]["schemas"]["M"]["properties"]["b"]["title"], "B");
        assert_eq!(run("fix_servers", &mut doc), 0);
    }

    #[test]
    fn scalar_aliases_are_inlined_with_a_format_from_their_name() {
        let mut doc = json!({ "components": { "schemas": {
            "ISODate": { "type": "string" },
            "UtcDateTime": { "type": "string" },
            "Floats": { "type": "array", "items": { "type": "number", "nullable": true }, "title": "F" },
            "Kind": { "type": "string", "enum": ["a"] },
            "M": { "type": "object", "properties": {
                "day": { "$ref": "#/components/schemas/ISODate", "title": "Day" },
                "at": { "$ref": "#/components/schemas/UtcDateTime" },
                "items": { "$ref": "#/components/schemas/Floats" },
                "kind": { "$ref": "#/components/schemas/Kind" }
            } }
        } } });
        assert_eq!(run("inline_scalar_aliases", &mut doc), 3);
        let schemas = &doc["components"]["schemas"];
        let names: Vec<&String> = schemas.as_object().map(|m| m.keys().collect()).unwrap_or_default();
        assert_eq!(names, ["Kind", "M"]);
        assert_eq!(
            schemas["M"]["properties"]["day"],
            json!({ "title": "Day", "type": "string", "format": "date" })
        );
        assert_eq!(
            schemas["M"]["properties"]["at"],
            json!({ "type": "string", "format": "date-time" })
        );
        assert_eq!(
            schemas["M"]["properties"]["items"],
            json!({ "type": "array", "items": { "type": "number", "nullable": true } })
        );
        assert_eq!(
            schemas["M"]["properties"]["kind"],
            json!({ "$ref": "#/components/schemas/Kind" })
        );
    }

    #[test]
    fn operation_ids_lose_the_path_and_method() {
        let mut doc = json!({ "paths": {
            "/v2/usercollection/vO2_max": { "get": {
                "operationId": "Multiple_vO2_max_Documents_v2_usercollection_vO2_max_get" } },
            "/v2/sandbox/usercollection/sleep/{document_id}": { "get": {
                "operationId": "Sandbox___Single_sleep_Document_v2_sandbox_usercollection_sleep__document_id__get" } },
            "/v2/webhook/subscription/renew/{id}": { "put": {
                "operationId": "renew_webhook_subscription_v2_webhook_subscription_renew__id__put" } },
            "/other": { "get": { "operationId": "custom" } }
        } });
        assert_eq!(run("short_operation_ids", &mut doc), 3);
        let id = |path: &str, method: &str| doc["paths"][path][method]["operationId"].clone();
        assert_eq!(id("/v2/usercollection/vO2_max", "get"), "multiple_vo2_max_documents");
        assert_eq!(
            id("/v2/sandbox/usercollection/sleep/{document_id}", "get"),
            "sandbox_single_sleep_document"
        );
        assert_eq!(
            id("/v2/webhook/subscription/renew/{id}", "put"),
            "renew_webhook_subscription"
        );
        assert_eq!(id("/other", "get"), "custom");
    }

    #[test]
    fn string_constraints_go() {
        let mut doc = json!({ "components": { "schemas": { "M": { "properties": {
            "id": { "type": "string", "minLength": 1, "pattern": "^x" } } } } } });
        assert_eq!(run("drop_string_constraints", &mut doc), 2);
        assert_eq!(
            doc["components"]["schemas"]["M"]["properties"]["id"],
            json!({ "type": "string" })
        );
    }

    #[test]
    fn live_optional_fields_are_found_through_the_route() {
        let mut doc = json!({
            "paths": { "/v2/usercollection/heartrate": { "get": { "responses": { "200": { "content": {
                "application/json": { "schema": { "$ref": "#/components/schemas/Page" } } } } } } } },
            "components": { "schemas": {
                "Page": { "properties": { "data": { "items": { "$ref": "#/components/schemas/Row" } } } },
                "Row": { "required": ["bpm", "timestamp_unix", "timestamp"] }
            } }
        });
        assert_eq!(run("relax_live_required", &mut doc), 1);
        assert_eq!(
            doc["components"]["schemas"]["Row"]["required"],
            json!(["bpm", "timestamp"])
        );
    }
}
