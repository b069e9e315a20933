//! The Pulumi package schema, generated from the registry ([`crate::resources`]) and the
//! configuration's declaration ([`crate::config::keys`]). `sdk-gen` writes it to schema.json; the
//! provider serves the committed copy, embedded at build time, and a test holds the two equal.

use serde_json::{Map, Value, json};

use crate::config::keys::CONFIG;
use crate::decl::{Field, FunctionDecl, Kind, ObjectDecl, PACKAGE, ResourceDecl, Role, VERSION};
use crate::resources;

/// schema.json as committed, served by GetSchema.
pub const EMBEDDED: &str = include_str!("../../schema.json");

/// Where a property sits: config variables and provider inputs name their object types apart,
/// as pulumi-aws's schema does; resources use the provider's (`index`) names.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Config,
    Provider,
}

fn type_token(decl: &ObjectDecl, ctx: Context) -> String {
    match ctx {
        Context::Config => format!("{PACKAGE}:config:{}", decl.config_type),
        Context::Provider => format!("{PACKAGE}:index:{}", decl.provider_type),
    }
}

fn type_spec(kind: Kind, ctx: Context) -> Value {
    let reference = |d: &ObjectDecl| json!({"$ref": format!("#/types/{}", type_token(d, ctx))});
    match kind {
        Kind::String => json!({"type": "string"}),
        Kind::Boolean => json!({"type": "boolean"}),
        Kind::Integer => json!({"type": "integer"}),
        Kind::StringMap => json!({"type": "object", "additionalProperties": {"type": "string"}}),
        Kind::StringList => json!({"type": "array", "items": {"type": "string"}}),
        Kind::Object(d) => reference(d),
        Kind::ObjectList(d) => json!({"type": "array", "items": reference(d)}),
    }
}

fn property_spec(f: &Field, ctx: Context) -> Value {
    let mut spec = type_spec(f.kind, ctx);
    let mut doc = f.doc.to_string();
    if f.replace_on_change && f.role == Role::Input {
        spec["replaceOnChanges"] = json!(true);
        spec["willReplaceOnChanges"] = json!(true);
    }
    if f.secret {
        spec["secret"] = json!(true);
    }
    if let Some(b) = f.default_bool {
        spec["default"] = json!(b);
    }
    if let Some(n) = f.default_int {
        spec["default"] = json!(n);
    }
    if !f.env.is_empty() {
        spec["defaultInfo"] = json!({"environment": f.env});
        doc.push_str(&format!(" Can also be set with {}.", f.env.join(" or ")));
    }
    spec["description"] = json!(doc);
    spec
}

fn properties<'a>(fields: impl Iterator<Item = &'a Field>, ctx: Context) -> Map<String, Value> {
    fields.map(|f| (f.name.to_string(), property_spec(f, ctx))).collect()
}

/// The fields a value always has: required inputs, and outputs but for the optional ones.
fn required_names(fields: &[Field]) -> Vec<&'static str> {
    fields
        .iter()
        .filter(|f| f.required || (f.role == Role::Output && !f.optional))
        .map(|f| f.name)
        .collect()
}

fn object_spec(d: &ObjectDecl, ctx: Context) -> Value {
    let required = required_names(d.fields);
    let mut spec = json!({
        "type": "object",
        "description": d.doc,
        "properties": properties(d.fields.iter(), ctx),
    });
    // The engine drops an empty list when it serves the schema; so does the file.
    if !required.is_empty() {
        spec["required"] = json!(required);
    }
    spec
}

/// Every object type a declaration uses, nested ones too: the configuration's once under config
/// and once under the provider, the resources' under the provider's names.
fn object_types() -> Map<String, Value> {
    fn collect(fields: &[Field], contexts: &[Context], types: &mut Map<String, Value>) {
        for field in fields {
            let (Kind::Object(d) | Kind::ObjectList(d)) = field.kind else {
                continue;
            };
            for &ctx in contexts {
                types.insert(type_token(d, ctx), object_spec(d, ctx));
            }
            collect(d.fields, contexts, types);
        }
    }
    let mut types = Map::new();
    collect(CONFIG.fields, &[Context::Config, Context::Provider], &mut types);
    for decl in resources::decls() {
        collect(decl.fields, &[Context::Provider], &mut types);
    }
    for decl in resources::function_decls() {
        collect(decl.args, &[Context::Provider], &mut types);
        collect(decl.result, &[Context::Provider], &mut types);
    }
    types
}

/// An object of `fields`, as function inputs and outputs and list queries are written.
fn fields_object(fields: &[Field]) -> Value {
    let required = required_names(fields);
    let mut spec = json!({"properties": properties(fields.iter(), Context::Provider), "type": "object"});
    if !required.is_empty() {
        spec["required"] = json!(required);
    }
    spec
}

fn function_spec(decl: &FunctionDecl) -> Value {
    json!({
        "description": decl.doc,
        "inputs": fields_object(decl.args),
        "outputs": fields_object(decl.result),
    })
}

fn resource_spec(decl: &ResourceDecl) -> Value {
    // Outputs are set once the deployment exists (but for the optional ones); inputs
    // come back only when given (description) or never from AWS (triggers, stageName).
    let required = required_names(decl.fields);
    let required_inputs: Vec<&str> = decl.inputs().filter(|f| f.required).map(|f| f.name).collect();
    let mut spec = json!({
        "description": decl.doc,
        "properties": properties(decl.fields.iter(), Context::Provider),
        "required": required,
        "inputProperties": properties(decl.inputs(), Context::Provider),
        "requiredInputs": required_inputs,
    });
    // The engine (and `pulumi do list`) offers List only for types whose schema has it.
    if let Some(query) = decl.list_inputs {
        spec["listInputs"] = fields_object(query);
    }
    spec
}

/// The whole package schema.
pub fn package_schema() -> Value {
    let resources: Map<String, Value> = resources::decls().map(|d| (d.token.to_string(), resource_spec(d))).collect();
    let functions: Map<String, Value> = resources::function_decls()
        .map(|d| (d.token.to_string(), function_spec(d)))
        .collect();
    let mut schema = json!({
        "name": PACKAGE,
        "displayName": "AWS API Gateway v2 Deployments",
        "version": VERSION,
        "description": "A native Pulumi provider for Amazon API Gateway v2 (HTTP and WebSocket API) deployments: fast, light, quota-aware.",
        "keywords": ["pulumi", "aws", "apigateway", "apigatewayv2", "category/cloud", "kind/native"],
        "homepage": "https://github.com/example/pulumi-aws-apigatewayv2",
        "repository": "https://github.com/example/pulumi-aws-apigatewayv2",
        "license": "MIT",
        "publisher": "pulumi-aws-apigatewayv2 contributors",
        "meta": {"moduleFormat": "(.*)"},
        "config": {"variables": properties(CONFIG.fields.iter(), Context::Config)},
        "types": object_types(),
        "provider": {
            "description": CONFIG.doc,
            "inputProperties": properties(CONFIG.fields.iter(), Context::Provider),
        },
        "resources": resources,
        "language": {
            "nodejs": {"packageName": "@pulumi/aws-apigatewayv2", "packageDescription": "Amazon API Gateway v2 deployments for Pulumi", "dependencies": {"@pulumi/pulumi": "^3.274.0"}, "respectSchemaVersion": true},
            "python": {"packageName": "pulumi_aws_apigatewayv2", "requires": {"pulumi": ">=3.272.0,<4.0.0"}, "pyproject": {"enabled": true}, "respectSchemaVersion": true},
            "go": {"importBasePath": "github.com/example/pulumi-aws-apigatewayv2/sdk/go/awsapigatewayv2", "generateResourceContainerTypes": true, "respectSchemaVersion": true},
            "csharp": {"rootNamespace": "Pulumi.AwsApiGatewayV2", "packageReferences": {"Pulumi": "3.*"}},
            "java": {"basePackage": "com.pulumi.awsapigatewayv2"},
        },
    });
    // The engine reads an empty section the same as none; the file leaves it out.
    if !functions.is_empty() {
        schema["functions"] = Value::Object(functions);
    }
    schema
}

/// The schema as written to schema.json: pretty, with a trailing newline.
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&package_schema()).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed schema.json is exactly what the declaration generates (run `make schema`).
    #[test]
    fn committed_schema_is_fresh() {
        assert!(EMBEDDED == schema_text(), "schema.json is stale: run `make schema` and commit it");
    }

    /// Replace-on-change and secret flags reach the schema from the declaration.
    #[test]
    fn flags_reach_schema() {
        let s = package_schema();
        let dep = &s["resources"]["aws-apigatewayv2:index:Deployment"];
        assert_eq!(dep["inputProperties"]["apiId"]["replaceOnChanges"], json!(true));
        assert_eq!(dep["inputProperties"]["triggers"]["replaceOnChanges"], json!(true));
        assert!(dep["inputProperties"]["description"].get("replaceOnChanges").is_none());
        assert_eq!(s["config"]["variables"]["secretKey"]["secret"], json!(true));
        assert_eq!(dep["requiredInputs"], json!(["apiId"]));
    }
}
