//! The collection table: every data operation of the normalized spec, described once, written
//! to `crates/oura-api-sys/src/generated_catalog.rs` for every other crate to read.
//!
//! What each row holds is read from the spec, by rules that fail loudly when the spec stops
//! fitting them (a new query parameter, a ranged collection without a field that places its
//! documents in time), so drift is caught at `cargo xtask generate` rather than at run time.

use std::fmt::Write as _;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Map, Value};

/// The prefix of the user's collections.
const USER: &str = "/v2/usercollection/";
/// The prefix of the sandbox twins.
const SANDBOX: &str = "/v2/sandbox/usercollection/";

/// One row of the table, as read from the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub route: String,
    /// The model's Rust type name in `oura_api_sys::types` (typify's Pascal case of the schema).
    pub model: String,
    pub range: &'static str,
    pub params: Vec<&'static str>,
    pub sandbox_params: Option<Vec<&'static str>>,
    pub single: bool,
    pub sandbox_single: bool,
    pub position: Option<String>,
    pub fields: Vec<FieldRow>,
}

/// One field of a model.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRow {
    pub name: String,
    pub ty: &'static str,
    pub required: bool,
    pub nullable: bool,
}

/// The query parameters the table knows, as `(spec name, variant of catalog::Param)`.
const PARAMS: &[(&str, &str)] = &[
    ("start_date", "StartDate"),
    ("end_date", "EndDate"),
    ("start_datetime", "StartDatetime"),
    ("end_datetime", "EndDatetime"),
    ("next_token", "NextToken"),
    ("latest", "Latest"),
    ("fields", "Fields"),
];

/// Fields that place a document in time, in the order they are looked for.
const POSITION_FIELDS: &[&str] = &["day", "start_day", "timestamp"];

/// Reads every collection of the normalized spec.
pub fn rows(spec: &Value) -> Result<Vec<Row>> {
    let paths = spec
        .get("paths")
        .and_then(Value::as_object)
        .context("the spec has no paths")?;
    let schemas = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .context("the spec has no component schemas")?;
    let mut rows = Vec::new();
    for (path, item) in paths {
        let Some(route) = path.strip_prefix(USER).filter(|r| !r.contains('/')) else {
            continue;
        };
        let Some(get) = item.get("get") else { continue };
        let Some(model) = page_model(get, schemas)? else {
            // personal_info: one document, no page.
            continue;
        };
        let params = query_params(get).with_context(|| format!("GET {path}"))?;
        let sandbox_path = format!("{SANDBOX}{route}");
        let sandbox_params = match paths.get(&sandbox_path).and_then(|i| i.get("get")) {
            Some(op) => Some(query_params(op).with_context(|| format!("GET {sandbox_path}"))?),
            None => None,
        };
        let single_path = |prefix: &str| {
            paths
                .iter()
                .any(|(p, i)| i.get("get").is_some() && is_single(p, prefix, route))
        };
        let range = range_kind(&params).with_context(|| format!("GET {path}"))?;
        let schema = schemas
            .get(&model)
            .with_context(|| format!("{path}: model {model} is not a component schema"))?;
        let fields = fields(schema, schemas).with_context(|| format!("model {model}"))?;
        let position = position(range, &fields).with_context(|| format!("GET {path} ({model})"))?;
        rows.push(Row {
            route: route.to_owned(),
            model: type_name(&model),
            range,
            params,
            sandbox_params,
            single: single_path(USER),
            sandbox_single: single_path(SANDBOX),
            position,
            fields,
        });
    }
    rows.sort_by(|a, b| a.route.cmp(&b.route));
    if rows.is_empty() {
        bail!("the spec has no collection routes under {USER}");
    }
    Ok(rows)
}

/// The fields of `personal_info`'s model.
pub fn personal_info(spec: &Value) -> Result<(String, Vec<FieldRow>)> {
    let schemas = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .context("the spec has no component schemas")?;
    let path = format!("{USER}personal_info");
    let schema = spec
        .pointer(&format!(
            "/paths/{}/get/responses/200/content/application~1json/schema",
            path.replace('/', "~1")
        ))
        .with_context(|| format!("GET {path} has no JSON 200 response"))?;
    let name = ref_name(schema).with_context(|| format!("GET {path}: the 200 response is not a named model"))?;
    let schema = schemas
        .get(name)
        .with_context(|| format!("{name} is not a component schema"))?;
    Ok((type_name(name), fields(schema, schemas)?))
}

/// The Rust name typify gives a schema's type: `PublicVO2Max` is `PublicVo2Max`.
fn type_name(schema: &str) -> String {
    use heck::ToPascalCase;
    schema.to_pascal_case()
}

fn is_single(path: &str, prefix: &str, route: &str) -> bool {
    path.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix(route))
        .and_then(|rest| rest.strip_prefix('/'))
        .is_some_and(|rest| rest.starts_with('{') && rest.ends_with('}') && !rest.contains('/'))
}

/// The model of a page response's `data` items, if the 200 response is a page.
fn page_model(op: &Value, schemas: &Map<String, Value>) -> Result<Option<String>> {
    let Some(schema) = op.pointer("/responses/200/content/application~1json/schema") else {
        return Ok(None);
    };
    let Some(page) = ref_name(schema).and_then(|name| schemas.get(name)) else {
        return Ok(None);
    };
    let Some(items) = page.pointer("/properties/data/items") else {
        return Ok(None);
    };
    let model = ref_name(items).context("a page's data items are not a named model")?;
    Ok(Some(model.to_owned()))
}

fn ref_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
}

/// The query parameters of an operation, as `catalog::Param` variants, in spec order.
fn query_params(op: &Value) -> Result<Vec<&'static str>> {
    let mut out = Vec::new();
    for param in op.get("parameters").and_then(Value::as_array).into_iter().flatten() {
        if param.get("in").and_then(Value::as_str) != Some("query") {
            continue;
        }
        let name = param.get("name").and_then(Value::as_str).unwrap_or_default();
        let (_, variant) = PARAMS
            .iter()
            .find(|(known, _)| *known == name)
            .ok_or_else(|| anyhow!("query parameter {name:?} is not in the catalog's Param enum: add it"))?;
        out.push(*variant);
    }
    Ok(out)
}

/// The kind of range the parameters describe.
fn range_kind(params: &[&str]) -> Result<&'static str> {
    let has = |p: &str| params.contains(&p);
    match (
        has("StartDate") && has("EndDate"),
        has("StartDatetime") && has("EndDatetime"),
    ) {
        (true, false) => Ok("Days"),
        (false, true) => Ok("Series"),
        (false, false) if !params.iter().any(|p| p.starts_with("Start") || p.starts_with("End")) => Ok("Whole"),
        _ => bail!("parameters {params:?} describe no single kind of range"),
    }
}

/// The field that places a document in time: a date for day ranges, a date-time for series.
fn position(range: &str, fields: &[FieldRow]) -> Result<Option<String>> {
    let wanted = match range {
        "Days" => "Date",
        "Series" => "DateTime",
        _ => return Ok(None),
    };
    POSITION_FIELDS
        .iter()
        .find_map(|name| fields.iter().find(|f| f.name == *name && f.ty == wanted && f.required))
        .map(|f| Some(f.name.clone()))
        .ok_or_else(|| anyhow!("no required {wanted} field named one of {POSITION_FIELDS:?} places its documents"))
}

/// The properties of a model, in spec order, with their JSON types.
fn fields(schema: &Value, schemas: &Map<String, Value>) -> Result<Vec<FieldRow>> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .context("the model has no properties")?;
    properties
        .iter()
        .map(|(name, property)| {
            Ok(FieldRow {
                name: name.clone(),
                ty: json_type(property, schemas).with_context(|| format!("field {name}"))?,
                required: required.contains(&name.as_str()),
                nullable: property.get("nullable").and_then(Value::as_bool).unwrap_or(false),
            })
        })
        .collect()
}

/// The `catalog::FieldType` variant of a property.
fn json_type(property: &Value, schemas: &Map<String, Value>) -> Result<&'static str> {
    let target = ref_name(property).or_else(|| {
        property
            .get("allOf")
            .and_then(Value::as_array)
            .filter(|all| all.len() == 1)
            .and_then(|all| ref_name(&all[0]))
    });
    if let Some(name) = target {
        let schema = schemas
            .get(name)
            .with_context(|| format!("{name} is not a component schema"))?;
        return json_type(schema, schemas);
    }
    let ty = property.get("type").and_then(Value::as_str);
    let format = property.get("format").and_then(Value::as_str);
    Ok(match (ty, format) {
        (Some("string"), _) if property.get("enum").is_some() => "Enum",
        (Some("string"), Some("date")) => "Date",
        (Some("string"), Some("date-time")) => "DateTime",
        (Some("string"), _) => "String",
        (Some("integer"), _) => "Integer",
        (Some("number"), _) => "Number",
        (Some("boolean"), _) => "Boolean",
        (Some("array"), _) => "Array",
        (Some("object"), _) => "Object",
        (None, _) if property.get("properties").is_some() => "Object",
        _ => "Any",
    })
}

/// The generated module's source (before formatting): the rows as constants, the table, and
/// the macro the facade builds its typed collections with.
pub fn source(spec: &Value, generated_types: &str) -> Result<String> {
    let rows = rows(spec)?;
    let (personal_model, personal_fields) = personal_info(spec)?;
    for model in rows.iter().map(|r| &r.model).chain([&personal_model]) {
        if !generated_types.contains(&format!("pub struct {model} ")) {
            bail!("model {model} is not a type of the generated bindings");
        }
    }
    let mut out = String::from("use crate::catalog::{Collection, Field, FieldType, Param, RangeKind};\n");
    for row in &rows {
        let _ = write!(
            out,
            "/// The `{route}` collection.\npub const {konst}: Collection = Collection {{ route: {route:?}, model: {model:?}, range: RangeKind::{range}, params: &[{params}], sandbox_params: {sandbox}, single: {single}, sandbox_single: {sandbox_single}, position: {position}, fields: &[{fields}] }};\n",
            route = row.route,
            konst = const_name(&row.route),
            model = row.model,
            range = row.range,
            params = param_list(&row.params),
            sandbox = match &row.sandbox_params {
                Some(params) => format!("Some(&[{}])", param_list(params)),
                None => "None".to_owned(),
            },
            single = row.single,
            sandbox_single = row.sandbox_single,
            position = match &row.position {
                Some(field) => format!("Some({field:?})"),
                None => "None".to_owned(),
            },
            fields = field_list(&row.fields),
        );
    }
    let _ = write!(
        out,
        "/// Every collection of the spec, in route order.\npub static COLLECTIONS: &[Collection] = &[{}];\n",
        rows.iter().map(|r| const_name(&r.route)).collect::<Vec<_>>().join(", ")
    );
    let _ = write!(
        out,
        "/// The name of `personal_info`'s model in [`crate::types`].\npub const PERSONAL_INFO_MODEL: &str = {personal_model:?};\n/// The fields of `personal_info`'s model, in spec order.\npub static PERSONAL_INFO: &[Field] = &[{}];\n",
        field_list(&personal_fields)
    );
    out.push_str(&facts_macro(&rows));
    Ok(out)
}

/// `__collection_facts!("route", callback, args...)` calls `callback!(args... CONST, Model,
/// Range, [position], single|list, latest|nolatest)`: what the facade's typed collections need
/// at compile time. A route the spec lacks matches no arm, which fails the build naming it.
fn facts_macro(rows: &[Row]) -> String {
    let mut out = String::from(
        "/// The compile-time facts of one collection, for the facade's typed collections.\n#[doc(hidden)]\n#[macro_export]\nmacro_rules! __collection_facts {\n",
    );
    for row in rows {
        let _ = writeln!(
            out,
            "    ({route:?}, $callback:ident, $($args:tt)*) => {{ $callback! {{ $($args)* {konst}, {model}, {range}, [{position}], {single}, {latest} }} }};",
            route = row.route,
            konst = const_name(&row.route),
            model = row.model,
            range = row.range,
            position = row.position.as_deref().unwrap_or(""),
            single = if row.single { "single" } else { "list" },
            latest = if row.params.contains(&"Latest") {
                "latest"
            } else {
                "nolatest"
            },
        );
    }
    out.push_str("}\n");
    out
}

fn const_name(route: &str) -> String {
    route.to_ascii_uppercase()
}

fn param_list(params: &[&str]) -> String {
    params
        .iter()
        .map(|p| format!("Param::{p}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn field_list(fields: &[FieldRow]) -> String {
    fields
        .iter()
        .map(|f| {
            format!(
                "Field {{ name: {:?}, ty: FieldType::{}, required: {}, nullable: {} }}",
                f.name, f.ty, f.required, f.nullable
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Value {
        json!({
            "paths": {
                "/v2/usercollection/thing": {"get": {
                    "parameters": [
                        {"name": "start_date", "in": "query"}, {"name": "end_date", "in": "query"},
                        {"name": "next_token", "in": "query"}, {"name": "fields", "in": "query"}
                    ],
                    "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}}}}
                }},
                "/v2/usercollection/thing/{document_id}": {"get": {"parameters": [{"name": "document_id", "in": "path"}]}},
                "/v2/sandbox/usercollection/thing": {"get": {
                    "parameters": [{"name": "start_date", "in": "query"}, {"name": "end_date", "in": "query"}]
                }},
                "/v2/usercollection/personal_info": {"get": {
                    "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Me"}}}}}
                }}
            },
            "components": {"schemas": {
                "Page": {"properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}}},
                "Thing": {"required": ["id", "day"], "properties": {
                    "id": {"type": "string"},
                    "day": {"type": "string", "format": "date"},
                    "kind": {"nullable": true, "allOf": [{"$ref": "#/components/schemas/Kind"}]},
                    "score": {"type": "integer", "nullable": true}
                }},
                "Kind": {"type": "string", "enum": ["a", "b"]},
                "Me": {"required": ["id"], "properties": {"id": {"type": "string"}, "age": {"type": "integer"}}}
            }}
        })
    }

    #[test]
    fn a_row_is_read_from_the_routes_parameters_and_model() {
        let rows = rows(&spec()).expect("rows");
        assert_eq!(rows.len(), 1, "personal_info is not a collection");
        let row = &rows[0];
        assert_eq!(row.route, "thing");
        assert_eq!(row.model, "Thing");
        assert_eq!(row.range, "Days");
        assert_eq!(row.params, ["StartDate", "EndDate", "NextToken", "Fields"]);
        assert_eq!(row.sandbox_params.as_deref(), Some(&["StartDate", "EndDate"][..]));
        assert!(row.single);
        assert!(!row.sandbox_single);
        assert_eq!(row.position.as_deref(), Some("day"));
        let types: Vec<(&str, &str, bool, bool)> = row
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.ty, f.required, f.nullable))
            .collect();
        assert_eq!(
            types,
            [
                ("id", "String", true, false),
                ("day", "Date", true, false),
                ("kind", "Enum", false, true),
                ("score", "Integer", false, true)
            ]
        );
        let (model, fields) = personal_info(&spec()).expect("personal info");
        assert_eq!(model, "Me");
        assert_eq!(fields.len(), 2);
    }

    #[test]
    fn an_unknown_query_parameter_fails_generation_naming_it() {
        let mut spec = spec();
        spec["paths"]["/v2/usercollection/thing"]["get"]["parameters"]
            .as_array_mut()
            .expect("array")
            .push(json!({"name": "page_size", "in": "query"}));
        let err = rows(&spec).expect_err("unknown parameter");
        assert!(format!("{err:#}").contains("page_size"), "{err:#}");
    }

    #[test]
    fn a_ranged_collection_without_a_position_field_fails_generation() {
        let mut spec = spec();
        spec["components"]["schemas"]["Thing"]["properties"]
            .as_object_mut()
            .expect("object")
            .remove("day");
        let err = rows(&spec).expect_err("no position");
        assert!(format!("{err:#}").contains("places its documents"), "{err:#}");
    }

    #[test]
    fn the_newest_spec_has_the_collections_the_api_notes_list() {
        let text = std::fs::read_to_string(crate::generate::spec_path()).expect("committed spec");
        let rows = rows(&serde_json::from_str(&text).expect("json")).expect("rows");
        let summary: Vec<String> = rows
            .iter()
            .map(|r| format!("{} {} {}", r.route, r.range, r.position.as_deref().unwrap_or("-")))
            .collect();
        assert_eq!(
            summary,
            [
                "daily_activity Days day",
                "daily_cardiovascular_age Days day",
                "daily_readiness Days day",
                "daily_resilience Days day",
                "daily_sleep Days day",
                "daily_spo2 Days day",
                "daily_stress Days day",
                "enhanced_tag Days start_day",
                "heartrate Series timestamp",
                "rest_mode_period Days start_day",
                "ring_battery_level Series timestamp",
                "ring_configuration Whole -",
                "session Days day",
                "sleep Days day",
                "sleep_time Days day",
                "tag Days day",
                "vO2_max Days day",
                "workout Days day",
            ]
        );
        let heartrate = rows.iter().find(|r| r.route == "heartrate").expect("heartrate");
        assert!(!heartrate.single);
        assert!(heartrate.params.contains(&"Latest"));
        let sandbox = heartrate.sandbox_params.as_deref().expect("sandbox twin");
        assert!(
            !sandbox.contains(&"Latest") && !sandbox.contains(&"Fields"),
            "{sandbox:?}"
        );
    }
}
