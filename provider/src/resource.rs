//! The single declaration of the Deployment resource and of the provider configuration. Check,
//! Diff, the protocol edge and schema.json all read these tables; nothing else lists the fields.

/// The value shape of a field, as users write it and as schema.json types it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Boolean,
    Integer,
    /// A map of string to string.
    StringMap,
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
#[derive(Debug, Clone, Copy)]
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
    /// The value an absent boolean input means (schema default; Diff treats absent as it).
    pub default_bool: Option<bool>,
    /// An output that some deployments lack (imported ones, those made by older releases).
    pub optional: bool,
    pub doc: &'static str,
}

impl Field {
    const fn new(name: &'static str, kind: Kind, role: Role, doc: &'static str) -> Self {
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
            default_bool: None,
            optional: false,
            doc,
        }
    }
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    const fn replace(mut self) -> Self {
        self.replace_on_change = true;
        self
    }
    const fn secret(mut self) -> Self {
        self.secret = true;
        self
    }
    const fn len(mut self, min: usize, max: usize) -> Self {
        self.min_len = Some(min);
        self.max_len = Some(max);
        self
    }
    const fn range(mut self, min: i64, max: i64) -> Self {
        self.min_int = Some(min);
        self.max_int = Some(max);
        self
    }
    const fn read_back(mut self) -> Self {
        self.read_back = true;
        self
    }
    const fn default_bool(mut self, value: bool) -> Self {
        self.default_bool = Some(value);
        self
    }
    const fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
    const fn env(mut self, vars: &'static [&'static str]) -> Self {
        self.env = vars;
        self
    }
}

/// A resource type: its token, documentation and fields.
#[derive(Debug)]
pub struct ResourceDecl {
    pub token: &'static str,
    pub doc: &'static str,
    pub fields: &'static [Field],
}

impl ResourceDecl {
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn inputs(&self) -> impl Iterator<Item = &'static Field> {
        self.fields.iter().filter(|f| f.role == Role::Input)
    }
}

pub const PACKAGE: &str = "aws-apigatewayv2";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub const API_ID: &str = "apiId";
pub const DESCRIPTION: &str = "description";
pub const TRIGGERS: &str = "triggers";
pub const STAGE_NAME: &str = "stageName";
pub const AUTO_DEPLOYED: &str = "autoDeployed";
pub const CREATED_DATE: &str = "createdDate";
pub const DEPLOYMENT_STATUS: &str = "deploymentStatus";
pub const REDEPLOY_ON_API_CHANGE: &str = "redeployOnApiChange";
pub const API_FINGERPRINT: &str = "apiFingerprint";
pub const API_FINGERPRINT_PARTS: &str = "apiFingerprintParts";

pub const DEPLOYMENT: ResourceDecl = ResourceDecl {
    token: "aws-apigatewayv2:index:Deployment",
    doc: include_str!("docs/deployment.md"),
    fields: &[
        Field::new(API_ID, Kind::String, Role::Input, "The id of the API Gateway v2 API (HTTP or WebSocket) to deploy. Changing it creates a new deployment.")
            .required()
            .replace()
            .len(1, 128)
            .read_back(),
        Field::new(DESCRIPTION, Kind::String, Role::Input, "A description of the deployment, at most 1024 characters. Changing it updates the deployment in place.")
            .len(0, 1024)
            .read_back(),
        Field::new(TRIGGERS, Kind::StringMap, Role::Input, "Arbitrary keys and values that, when changed, force a new deployment (for example a hash of the routes and integrations). Never sent to AWS and not imported.")
            .replace(),
        Field::new(STAGE_NAME, Kind::String, Role::Input, "The name of an existing stage to release the new deployment to when it is created (1 to 128 characters). Changing it creates a new deployment. AWS does not report it, so it is not imported.")
            .replace()
            .len(1, 128),
        Field::new(REDEPLOY_ON_API_CHANGE, Kind::Boolean, Role::Input, "When true, every preview and update reads the API's routes, integrations and authorizers (and for WebSocket APIs its models, route responses and integration responses) and replaces this deployment when they differ from what it was created from, naming what changed; with `stageName` the stage then serves the new configuration. Off by default: then a refresh only warns when the API moved on.")
            .default_bool(false),
        Field::new(AUTO_DEPLOYED, Kind::Boolean, Role::Output, "Whether API Gateway created this deployment automatically for a stage with autoDeploy."),
        Field::new(CREATED_DATE, Kind::String, Role::Output, "When the deployment was created (ISO-8601)."),
        Field::new(DEPLOYMENT_STATUS, Kind::String, Role::Output, "The deployment's status as AWS reports it: PENDING, FAILED or DEPLOYED."),
        Field::new(API_FINGERPRINT, Kind::String, Role::Output, "The fingerprint (`v1:` and a SHA-256) of the API configuration this deployment was created from. Recorded at creation only; absent for imported deployments and for those created before version 0.2.0.")
            .optional(),
        Field::new(API_FINGERPRINT_PARTS, Kind::StringMap, Role::Output, "Per item of the fingerprinted configuration (for example `route GET /users`, `integration 4f2a1bc`), short hashes of its fields, so changes can be named.")
            .optional(),
    ],
};

pub const CFG_REGION: &str = "region";
pub const CFG_PROFILE: &str = "profile";
pub const CFG_ACCESS_KEY: &str = "accessKey";
pub const CFG_SECRET_KEY: &str = "secretKey";
pub const CFG_TOKEN: &str = "token";
pub const CFG_ENDPOINT: &str = "endpoint";
pub const CFG_MAX_RETRIES: &str = "maxRetries";
pub const CFG_RATE_LIMITING: &str = "rateLimiting";
pub const CFG_CALLS_PER_SECOND: &str = "callsPerSecond";
pub const CFG_CALL_BURST: &str = "callBurst";
pub const CFG_CREATE_INTERVAL_MS: &str = "createDeploymentIntervalMs";
pub const CFG_SKIP_CREDENTIALS_VALIDATION: &str = "skipCredentialsValidation";

/// Provider configuration, named like pulumi-aws's so stacks can move over.
pub const CONFIG: ResourceDecl = ResourceDecl {
    token: "pulumi:providers:aws-apigatewayv2",
    doc: "The provider for Amazon API Gateway v2 deployments.",
    fields: &[
        Field::new(CFG_REGION, Kind::String, Role::Input, "The AWS region, e.g. us-east-1. Falls back to AWS_REGION / AWS_DEFAULT_REGION and the shared config file.")
            .len(1, 64)
            .env(&["AWS_REGION", "AWS_DEFAULT_REGION"]),
        Field::new(CFG_PROFILE, Kind::String, Role::Input, "The profile of the shared AWS config and credentials files to use.")
            .len(1, 256)
            .env(&["AWS_PROFILE"]),
        Field::new(CFG_ACCESS_KEY, Kind::String, Role::Input, "The access key id. Falls back to the standard AWS credential chain.")
            .secret()
            .len(1, 256),
        Field::new(CFG_SECRET_KEY, Kind::String, Role::Input, "The secret access key. Falls back to the standard AWS credential chain.")
            .secret()
            .len(1, 256),
        Field::new(CFG_TOKEN, Kind::String, Role::Input, "A session token for temporary credentials.")
            .secret()
            .len(1, 4096),
        Field::new(CFG_ENDPOINT, Kind::String, Role::Input, "Overrides the API Gateway v2 management endpoint (an http:// or https:// URL), e.g. for the project's local emulator or a LocalStack-style setup.")
            .len(1, 2048),
        Field::new(CFG_MAX_RETRIES, Kind::Integer, Role::Input, "How many times a throttled or failed AWS call is attempted in all (default 25).")
            .range(1, 100),
        Field::new(CFG_RATE_LIMITING, Kind::Boolean, Role::Input, "Pace calls to API Gateway's published quotas so parallel operations queue instead of being throttled (default true)."),
        Field::new(CFG_CALLS_PER_SECOND, Kind::Integer, Role::Input, "The account's management call rate to pace at, per second (default 10, AWS's quota).")
            .range(1, 100_000),
        Field::new(CFG_CALL_BURST, Kind::Integer, Role::Input, "The burst of management calls allowed at once (default 40, AWS's quota).")
            .range(1, 100_000),
        Field::new(CFG_CREATE_INTERVAL_MS, Kind::Integer, Role::Input, "Milliseconds between CreateDeployment calls (default 5000: AWS allows one every 5 seconds).")
            .range(0, 600_000),
        Field::new(CFG_SKIP_CREDENTIALS_VALIDATION, Kind::Boolean, Role::Input, "Skip the checks Configure makes before any deployment is touched: that the credential chain yields credentials, and that an overridden `endpoint` accepts connections. Off by default, so a missing credential or a dead endpoint fails `pulumi preview` at once with the ways to fix it.")
            .default_bool(false),
    ],
};
