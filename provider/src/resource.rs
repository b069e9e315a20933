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
    /// The value an absent boolean input means (schema default; Diff treats absent as it).
    pub default_bool: Option<bool>,
    /// An output that some deployments lack (imported ones, those made by older releases).
    pub optional: bool,
    /// A rule on the text of a string (or of each string of a list).
    pub format: Option<Format>,
    /// The pulumi-aws config key or property this one stands for, so stacks can move over.
    pub pulumi_aws: Option<&'static str>,
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
            format: None,
            pulumi_aws: None,
            doc,
        }
    }
    const fn format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }
    /// Same name and meaning as pulumi-aws's key.
    const fn aws(mut self) -> Self {
        self.pulumi_aws = Some(self.name);
        self
    }
    const fn aws_as(mut self, key: &'static str) -> Self {
        self.pulumi_aws = Some(key);
        self
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
#[derive(Debug, PartialEq, Eq)]
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
pub const CFG_ENDPOINTS: &str = "endpoints";
pub const CFG_MAX_RETRIES: &str = "maxRetries";
pub const CFG_RETRY_MODE: &str = "retryMode";
pub const CFG_RATE_LIMITING: &str = "rateLimiting";
pub const CFG_CALLS_PER_SECOND: &str = "callsPerSecond";
pub const CFG_CALL_BURST: &str = "callBurst";
pub const CFG_CREATE_INTERVAL_MS: &str = "createDeploymentIntervalMs";
pub const CFG_SKIP_CREDENTIALS_VALIDATION: &str = "skipCredentialsValidation";
pub const CFG_SKIP_REGION_VALIDATION: &str = "skipRegionValidation";
pub const CFG_STS_REGION: &str = "stsRegion";
pub const CFG_ASSUME_ROLES: &str = "assumeRoles";
pub const CFG_ASSUME_ROLE_WITH_WEB_IDENTITY: &str = "assumeRoleWithWebIdentity";
pub const CFG_ALLOWED_ACCOUNT_IDS: &str = "allowedAccountIds";
pub const CFG_FORBIDDEN_ACCOUNT_IDS: &str = "forbiddenAccountIds";
pub const CFG_SHARED_CONFIG_FILES: &str = "sharedConfigFiles";
pub const CFG_SHARED_CREDENTIALS_FILES: &str = "sharedCredentialsFiles";
pub const CFG_HTTP_PROXY: &str = "httpProxy";
pub const CFG_HTTPS_PROXY: &str = "httpsProxy";
pub const CFG_NO_PROXY: &str = "noProxy";
pub const CFG_CUSTOM_CA_BUNDLE: &str = "customCaBundle";
pub const CFG_INSECURE: &str = "insecure";
pub const CFG_USE_FIPS_ENDPOINT: &str = "useFipsEndpoint";
pub const CFG_USE_DUALSTACK_ENDPOINT: &str = "useDualstackEndpoint";
pub const CFG_QUOTA_TABLE: &str = "quotaTable";
pub const CFG_QUOTA_TABLE_REGION: &str = "quotaTableRegion";

pub const ROLE_ARN: &str = "roleArn";
pub const SESSION_NAME: &str = "sessionName";
pub const EXTERNAL_ID: &str = "externalId";
pub const DURATION: &str = "duration";
pub const POLICY: &str = "policy";
pub const POLICY_ARNS: &str = "policyArns";
pub const TAGS: &str = "tags";
pub const TRANSITIVE_TAG_KEYS: &str = "transitiveTagKeys";
pub const SOURCE_IDENTITY: &str = "sourceIdentity";
pub const WEB_IDENTITY_TOKEN: &str = "webIdentityToken";
pub const WEB_IDENTITY_TOKEN_FILE: &str = "webIdentityTokenFile";
pub const EP_APIGATEWAYV2: &str = "apigatewayv2";
pub const EP_STS: &str = "sts";
pub const EP_DYNAMODB: &str = "dynamodb";

/// AWS's bounds on a role session: 15 minutes to 12 hours.
const SESSION_DURATION: Format = Format::Duration {
    min_secs: 900,
    max_secs: 43_200,
};

/// One role of the `assumeRoles` chain; the fields of STS AssumeRole, named as pulumi-aws names them.
pub const ASSUME_ROLE: ObjectDecl = ObjectDecl {
    config_type: "assumeRoles",
    provider_type: "ProviderAssumeRole",
    doc: "A role to assume with STS AssumeRole, using the credentials obtained so far.",
    max_items: Some(16),
    fields: &[
        Field::new(ROLE_ARN, Kind::String, Role::Input, "The ARN of the role to assume.")
            .required()
            .len(20, 2048)
            .format(Format::RoleArn),
        Field::new(SESSION_NAME, Kind::String, Role::Input, "The role session name (2 to 64 of letters, digits and `+=,.@-_`); shown in CloudTrail. Defaults to a name with the time in it.")
            .len(2, 64),
        Field::new(EXTERNAL_ID, Kind::String, Role::Input, "The external id the role's trust policy asks for.")
            .len(2, 1224),
        Field::new(DURATION, Kind::String, Role::Input, "How long the session lasts, from 15m to 12h (for example `1h` or `3600s`); AWS's default (1 hour) when unset. Credentials are renewed before they expire.")
            .len(2, 32)
            .format(SESSION_DURATION),
        Field::new(POLICY, Kind::String, Role::Input, "An IAM policy (JSON) that further restricts the session.")
            .len(1, 2048)
            .format(Format::Json),
        Field::new(POLICY_ARNS, Kind::StringList, Role::Input, "ARNs of managed policies that further restrict the session.")
            .format(Format::PolicyArn),
        Field::new(TAGS, Kind::StringMap, Role::Input, "Session tags."),
        Field::new(TRANSITIVE_TAG_KEYS, Kind::StringList, Role::Input, "Keys of session tags that pass on to roles assumed later in the chain."),
        Field::new(SOURCE_IDENTITY, Kind::String, Role::Input, "The source identity to set on the session (2 to 64 characters).")
            .len(2, 64),
    ],
};

/// OIDC federation with STS AssumeRoleWithWebIdentity.
pub const ASSUME_ROLE_WITH_WEB_IDENTITY: ObjectDecl = ObjectDecl {
    config_type: "assumeRoleWithWebIdentity",
    provider_type: "ProviderAssumeRoleWithWebIdentity",
    doc: "A role to assume with an OIDC token (STS AssumeRoleWithWebIdentity), as CI systems do.",
    max_items: None,
    fields: &[
        Field::new(ROLE_ARN, Kind::String, Role::Input, "The ARN of the role to assume.")
            .required()
            .len(20, 2048)
            .format(Format::RoleArn),
        Field::new(
            SESSION_NAME,
            Kind::String,
            Role::Input,
            "The role session name (2 to 64 characters). Defaults to a name with the time in it.",
        )
        .len(2, 64),
        Field::new(
            WEB_IDENTITY_TOKEN,
            Kind::String,
            Role::Input,
            "The OIDC token itself. Give this or `webIdentityTokenFile`.",
        )
        .secret()
        .len(4, 20_000),
        Field::new(
            WEB_IDENTITY_TOKEN_FILE,
            Kind::String,
            Role::Input,
            "A file holding the OIDC token, read again each time the credentials are renewed (CI systems rotate it). `~` is expanded.",
        )
        .len(1, 4096),
        Field::new(
            DURATION,
            Kind::String,
            Role::Input,
            "How long the session lasts, from 15m to 12h; AWS's default (1 hour) when unset.",
        )
        .len(2, 32)
        .format(SESSION_DURATION),
        Field::new(
            POLICY,
            Kind::String,
            Role::Input,
            "An IAM policy (JSON) that further restricts the session.",
        )
        .len(1, 2048)
        .format(Format::Json),
        Field::new(
            POLICY_ARNS,
            Kind::StringList,
            Role::Input,
            "ARNs of managed policies that further restrict the session.",
        )
        .format(Format::PolicyArn),
    ],
};

/// Per-service endpoint overrides, pulumi-aws's `endpoints` (a list holding one object).
pub const ENDPOINTS: ObjectDecl = ObjectDecl {
    config_type: "endpoints",
    provider_type: "ProviderEndpoint",
    doc: "Endpoint overrides per AWS service.",
    max_items: Some(1),
    fields: &[
        Field::new(
            EP_APIGATEWAYV2,
            Kind::String,
            Role::Input,
            "The API Gateway v2 management endpoint (`endpoint` is a shorthand for this).",
        )
        .len(1, 2048)
        .format(Format::Url),
        Field::new(
            EP_STS,
            Kind::String,
            Role::Input,
            "The STS endpoint, for `assumeRoles`, `assumeRoleWithWebIdentity` and the account check.",
        )
        .len(1, 2048)
        .format(Format::Url),
        Field::new(EP_DYNAMODB, Kind::String, Role::Input, "The DynamoDB endpoint of `quotaTable`.")
            .len(1, 2048)
            .format(Format::Url),
    ],
};

/// Provider configuration, named like pulumi-aws's so stacks can move over.
pub const CONFIG: ResourceDecl = ResourceDecl {
    token: "pulumi:providers:aws-apigatewayv2",
    doc: "The provider for Amazon API Gateway v2 deployments.",
    fields: &[
        Field::new(CFG_REGION, Kind::String, Role::Input, "The AWS region, e.g. us-east-1. Falls back to AWS_REGION / AWS_DEFAULT_REGION and the shared config file.")
            .len(1, 64)
            .env(&["AWS_REGION", "AWS_DEFAULT_REGION"])
            .aws(),
        Field::new(CFG_PROFILE, Kind::String, Role::Input, "The profile of the shared AWS config and credentials files to use.")
            .len(1, 256)
            .env(&["AWS_PROFILE"])
            .aws(),
        Field::new(CFG_ACCESS_KEY, Kind::String, Role::Input, "The access key id. Falls back to the standard AWS credential chain.")
            .secret()
            .len(1, 256)
            .aws(),
        Field::new(CFG_SECRET_KEY, Kind::String, Role::Input, "The secret access key. Falls back to the standard AWS credential chain.")
            .secret()
            .len(1, 256)
            .aws(),
        Field::new(CFG_TOKEN, Kind::String, Role::Input, "A session token for temporary credentials.")
            .secret()
            .len(1, 4096)
            .aws(),
        Field::new(CFG_SHARED_CONFIG_FILES, Kind::StringList, Role::Input, "Paths of shared config files to read instead of ~/.aws/config (`~` is expanded).")
            .aws(),
        Field::new(CFG_SHARED_CREDENTIALS_FILES, Kind::StringList, Role::Input, "Paths of shared credentials files to read instead of ~/.aws/credentials (`~` is expanded).")
            .aws(),
        Field::new(CFG_ASSUME_ROLES, Kind::ObjectList(&ASSUME_ROLE), Role::Input, "Roles to assume in order, each with the credentials the one before gave (the first with the base credentials): the way to deploy into another account.")
            .aws(),
        Field::new(CFG_ASSUME_ROLE_WITH_WEB_IDENTITY, Kind::Object(&ASSUME_ROLE_WITH_WEB_IDENTITY), Role::Input, "Credentials from an OIDC token (CI systems); `assumeRoles` then start from them. AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE keep working through the default chain without this.")
            .aws(),
        Field::new(CFG_ALLOWED_ACCOUNT_IDS, Kind::StringList, Role::Input, "Account ids the provider may work in. Configure learns the account with STS GetCallerIdentity and refuses any other before any API Gateway call.")
            .format(Format::AccountId)
            .aws(),
        Field::new(CFG_FORBIDDEN_ACCOUNT_IDS, Kind::StringList, Role::Input, "Account ids the provider must not work in, checked like `allowedAccountIds`.")
            .format(Format::AccountId)
            .aws(),
        Field::new(CFG_ENDPOINT, Kind::String, Role::Input, "Overrides the API Gateway v2 management endpoint (an http:// or https:// URL), e.g. for the project's local emulator or a LocalStack-style setup. A shorthand for `endpoints: [{apigatewayv2: ...}]`.")
            .len(1, 2048)
            .format(Format::Url)
            .aws_as("endpoints[0].apigatewayv2"),
        Field::new(CFG_ENDPOINTS, Kind::ObjectList(&ENDPOINTS), Role::Input, "Endpoint overrides per service (`apigatewayv2`, `sts`), as one object in a list, as pulumi-aws takes them.")
            .aws(),
        Field::new(CFG_STS_REGION, Kind::String, Role::Input, "The region of the STS endpoint used to assume roles and check the account (default: `region`).")
            .len(1, 64)
            .aws(),
        Field::new(CFG_SKIP_CREDENTIALS_VALIDATION, Kind::Boolean, Role::Input, "Skip the checks Configure makes before any deployment is touched: that the credential chain yields credentials, and that an overridden `endpoint` accepts connections. Off by default, so a missing credential or a dead endpoint fails `pulumi preview` at once with the ways to fix it. The account check of `allowedAccountIds` / `forbiddenAccountIds` is made either way.")
            .default_bool(false)
            .aws(),
        Field::new(CFG_SKIP_REGION_VALIDATION, Kind::Boolean, Role::Input, "Accept a region name that does not look like an AWS region (for example a private or future one).")
            .default_bool(false)
            .aws(),
        Field::new(CFG_HTTP_PROXY, Kind::String, Role::Input, "The proxy for http:// endpoints (an http:// URL, credentials allowed).")
            .len(1, 2048)
            .format(Format::Url)
            .env(&["HTTP_PROXY", "http_proxy"])
            .aws(),
        Field::new(CFG_HTTPS_PROXY, Kind::String, Role::Input, "The proxy for https:// endpoints, AWS's own included; reached with HTTP CONNECT.")
            .len(1, 2048)
            .format(Format::Url)
            .env(&["HTTPS_PROXY", "https_proxy"])
            .aws(),
        Field::new(CFG_NO_PROXY, Kind::String, Role::Input, "Comma-separated hosts, domains (`.example.com`) and networks (`10.0.0.0/8`) reached without the proxy.")
            .len(1, 4096)
            .env(&["NO_PROXY", "no_proxy"])
            .aws(),
        Field::new(CFG_CUSTOM_CA_BUNDLE, Kind::String, Role::Input, "A PEM file of certificates to trust in addition to the system's (a company's TLS-inspecting proxy, a private endpoint). `~` is expanded.")
            .len(1, 4096)
            .env(&["AWS_CA_BUNDLE"])
            .aws(),
        Field::new(CFG_INSECURE, Kind::Boolean, Role::Input, "Do not verify TLS certificates. For tests only: anyone on the path can then read and change the traffic, credentials included. Warns on every run.")
            .default_bool(false)
            .aws(),
        Field::new(CFG_USE_FIPS_ENDPOINT, Kind::Boolean, Role::Input, "Use the FIPS endpoints of API Gateway and STS.")
            .default_bool(false)
            .env(&["AWS_USE_FIPS_ENDPOINT"])
            .aws(),
        Field::new(CFG_USE_DUALSTACK_ENDPOINT, Kind::Boolean, Role::Input, "Use the dual-stack (IPv4 and IPv6) endpoints.")
            .default_bool(false)
            .env(&["AWS_USE_DUALSTACK_ENDPOINT"])
            .aws(),
        Field::new(CFG_MAX_RETRIES, Kind::Integer, Role::Input, "How many times a throttled or failed AWS call is attempted in all (default 25).")
            .range(1, 100)
            .aws(),
        Field::new(CFG_RETRY_MODE, Kind::String, Role::Input, "`standard` or `adaptive`, for the STS calls (role assumption, the account check). API Gateway calls always use the provider's own paced retries, which already adapt to throttling.")
            .format(Format::OneOf(&["standard", "adaptive"]))
            .env(&["AWS_RETRY_MODE"])
            .aws(),
        Field::new(CFG_QUOTA_TABLE, Kind::String, Role::Input, "A DynamoDB table (key `pk`, a string) through which every provider process deploying into the same account and region shares the CreateDeployment quota: CI matrices, preview environments, Automation API fleets. Unset, each process paces alone.")
            .len(3, 255)
            .format(Format::TableName),
        Field::new(CFG_QUOTA_TABLE_REGION, Kind::String, Role::Input, "The region of `quotaTable` (default: `region`).")
            .len(1, 64),
        Field::new(CFG_RATE_LIMITING, Kind::Boolean, Role::Input, "Pace calls to API Gateway's published quotas so parallel operations queue instead of being throttled (default true)."),
        Field::new(CFG_CALLS_PER_SECOND, Kind::Integer, Role::Input, "The account's management call rate to pace at, per second (default 10, AWS's quota).")
            .range(1, 100_000),
        Field::new(CFG_CALL_BURST, Kind::Integer, Role::Input, "The burst of management calls allowed at once (default 40, AWS's quota).")
            .range(1, 100_000),
        Field::new(CFG_CREATE_INTERVAL_MS, Kind::Integer, Role::Input, "Milliseconds between CreateDeployment calls (default 5000: AWS allows one every 5 seconds).")
            .range(0, 600_000),
    ],
};
