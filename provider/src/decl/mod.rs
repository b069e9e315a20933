//! The declaration language: a resource's (or the configuration's) fields with their types,
//! rules, defaults, environment fallbacks and docs, written once as `const` tables. The resources
//! declare themselves with it in [`crate::resources`], the configuration in [`crate::config::keys`].
//!
//! - [`props`]: the protocol edge for values: Struct <-> typed properties, unknowns and secrets.
//! - [`check`]: the declared rules applied to inputs (CheckFailures, not errors).
//! - [`diff`]: changes and replacements from the declared replace-on-change flags.

pub mod check;
pub mod diff;
pub mod props;

/// The value shape of a field, as users write it and as schema.json types it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Boolean,
    Integer,
    /// A map of string to string.
    StringMap,
    /// A list of strings.
    StringList,
    /// An object with its own declared fields (schema: a named type).
    Object(&'static ObjectDecl),
    /// A list of such objects.
    ObjectList(&'static ObjectDecl),
}

/// A named object type nested in a declaration (pulumi-aws's `assumeRoles` items, `endpoints`).
/// Config variables and provider inputs each get a schema type of it, as pulumi-aws has.
#[derive(Debug, PartialEq, Eq)]
pub struct ObjectDecl {
    /// The type's name among config types (`aws-apigatewayv2:config:<name>`).
    pub config_type: &'static str,
    /// The type's name among provider input types (`aws-apigatewayv2:index:<name>`).
    pub provider_type: &'static str,
    pub doc: &'static str,
    pub fields: &'static [Field],
    /// The most items a list of it may hold.
    pub max_items: Option<usize>,
}

/// A rule on a string's text beyond its length; for lists of strings, on each item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An http:// or https:// URL with a host.
    Url,
    /// An IAM role ARN: `arn:<partition>:iam::<12 digits>:role/<name>`.
    RoleArn,
    /// An IAM policy ARN: `arn:<partition>:iam::<aws or 12 digits>:policy/<name>`.
    PolicyArn,
    /// A 12-digit AWS account id.
    AccountId,
    /// A duration as pulumi-aws writes it (`1h`, `15m`, `3600s`), between these seconds.
    Duration { min_secs: u64, max_secs: u64 },
    /// A JSON document.
    Json,
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// A DynamoDB table name: letters, digits, `_`, `-` and `.`.
    TableName,
    /// An AWS region name of the configured provider's partition (`us-east-1` beside `us-west-2`,
    /// not `cn-north-1`); the provider's `skipRegionValidation` turns the rule off.
    Region,
}

/// Whether users set a field or only read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Set by the user; echoed in the outputs.
    Input,
    /// Computed by AWS.
    Output,
}

/// One property: its type, rules and documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub role: Role,
    pub required: bool,
    /// A change forces a new resource.
    pub replace_on_change: bool,
    /// Always stored and shown as a secret.
    pub secret: bool,
    /// Inclusive bounds on the length in characters of a string.
    pub min_len: Option<usize>,
    pub max_len: Option<usize>,
    /// Inclusive bounds on an integer.
    pub min_int: Option<i64>,
    pub max_int: Option<i64>,
    /// AWS returns it, so Read (and thus `pulumi import`) can fill it in.
    pub read_back: bool,
    /// Environment variables that supply a config value, for the schema's defaults.
    pub env: &'static [&'static str],
    /// Absent, the input takes the configured provider's value of the config key of the same
    /// name: Check writes it in (so it is stored and a change of the provider's shows in Diff),
    /// and Diff reads it into state written before the field existed.
    pub from_provider: bool,
    /// The value an absent boolean input means (schema default; Diff treats absent as it).
    pub default_bool: Option<bool>,
    /// The value an absent integer input means (schema default; Diff treats absent as it).
    pub default_int: Option<i64>,
    /// An output that some deployments lack (imported ones, those made by older releases).
    pub optional: bool,
    /// An output that Check also writes into the inputs with its live value, so the engine shows
    /// a change of it (item by item) against the recorded output; never set by programs, and
    /// never compared by the declared Diff rules.
    pub checked_input: bool,
    /// A rule on the text of a string (or of each string of a list).
    pub format: Option<Format>,
    /// The pulumi-aws config key or property this one stands for, so stacks can move over.
    pub pulumi_aws: Option<&'static str>,
    pub doc: &'static str,
}

impl Field {
    pub const fn new(name: &'static str, kind: Kind, role: Role, doc: &'static str) -> Self {
        Self {
            name,
            kind,
            role,
            required: false,
            replace_on_change: false,
            secret: false,
            min_len: None,
            max_len: None,
            min_int: None,
            max_int: None,
            read_back: false,
            env: &[],
            from_provider: false,
            default_bool: None,
            default_int: None,
            optional: false,
            checked_input: false,
            format: None,
            pulumi_aws: None,
            doc,
        }
    }
    pub const fn format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }
    /// Same name and meaning as pulumi-aws's key.
    pub const fn aws(mut self) -> Self {
        self.pulumi_aws = Some(self.name);
        self
    }
    pub const fn aws_as(mut self, key: &'static str) -> Self {
        self.pulumi_aws = Some(key);
        self
    }
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub const fn replace(mut self) -> Self {
        self.replace_on_change = true;
        self
    }
    pub const fn secret(mut self) -> Self {
        self.secret = true;
        self
    }
    pub const fn len(mut self, min: usize, max: usize) -> Self {
        self.min_len = Some(min);
        self.max_len = Some(max);
        self
    }
    pub const fn range(mut self, min: i64, max: i64) -> Self {
        self.min_int = Some(min);
        self.max_int = Some(max);
        self
    }
    pub const fn read_back(mut self) -> Self {
        self.read_back = true;
        self
    }
    pub const fn default_bool(mut self, value: bool) -> Self {
        self.default_bool = Some(value);
        self
    }
    pub const fn default_int(mut self, value: i64) -> Self {
        self.default_int = Some(value);
        self
    }
    pub const fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
    pub const fn checked_input(mut self) -> Self {
        self.checked_input = true;
        self
    }
    pub const fn from_provider(mut self) -> Self {
        self.from_provider = true;
        self
    }
    pub const fn env(mut self, vars: &'static [&'static str]) -> Self {
        self.env = vars;
        self
    }
}

/// A resource type: its token, documentation and fields.
#[derive(Debug, PartialEq, Eq)]
pub struct ResourceDecl {
    pub token: &'static str,
    pub doc: &'static str,
    /// How an id is written for `pulumi import` (`<apiId>/<deploymentId>`); empty when none.
    pub import_id: &'static str,
    /// The query `List` takes (schema `listInputs`); `None`: the type cannot be listed.
    pub list_inputs: Option<&'static [Field]>,
    pub fields: &'static [Field],
}

/// A function (an invoke, `fn::invoke` in YAML): its token, documentation, and the fields of its
/// arguments (inputs, checked like a resource's) and of its result (outputs).
#[derive(Debug, PartialEq, Eq)]
pub struct FunctionDecl {
    pub token: &'static str,
    pub doc: &'static str,
    pub args: &'static [Field],
    pub result: &'static [Field],
}

impl FunctionDecl {
    /// The arguments as a declaration, for Check's rules and the value edge.
    pub fn args_decl(&self) -> ResourceDecl {
        ResourceDecl {
            token: self.token,
            doc: self.doc,
            import_id: "",
            list_inputs: None,
            fields: self.args,
        }
    }

    /// The result as a declaration, for the value edge.
    pub fn result_decl(&self) -> ResourceDecl {
        ResourceDecl {
            token: self.token,
            doc: self.doc,
            import_id: "",
            list_inputs: None,
            fields: self.result,
        }
    }
}

impl Field {
    /// The first of the field's environment variables that is set and not empty.
    pub fn env_value(&self) -> Option<String> {
        self.env.iter().find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
    }
}

impl ResourceDecl {
    /// The list query as a declaration, for Check's rules and the value edge.
    pub fn list_decl(&self) -> Option<ResourceDecl> {
        Some(ResourceDecl {
            token: self.token,
            doc: self.doc,
            import_id: "",
            list_inputs: None,
            fields: self.list_inputs?,
        })
    }

    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn inputs(&self) -> impl Iterator<Item = &'static Field> {
        self.fields.iter().filter(|f| f.role == Role::Input)
    }

    /// What the checked inputs hold: the inputs and the `checked_input` outputs.
    pub fn checked_inputs(&self) -> impl Iterator<Item = &'static Field> {
        self.fields.iter().filter(|f| f.role == Role::Input || f.checked_input)
    }
}

/// The provider's config key (and every regional resource's and function's input) naming the
/// AWS region.
pub const REGION: &str = "region";

/// The `region` input of every regional resource and function, as pulumi-aws v7 has it: filled
/// from the provider's region when unset, of the provider's partition.
pub const fn region_field(doc: &'static str) -> Field {
    Field::new(REGION, Kind::String, Role::Input, doc)
        .format(Format::Region)
        .len(1, 64)
        .from_provider()
        .aws()
}

pub const PACKAGE: &str = "aws-apigatewayv2";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
