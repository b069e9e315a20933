//! The provider configuration's declaration: every key with its type, rules, environment
//! fallbacks and pulumi-aws counterpart. CheckConfig, DiffConfig, schema.json, the docs pages and
//! the README table read it; nothing else lists the keys.

use crate::apigw::limiter::{AWS_CALL_BURST, AWS_CALLS_PER_SECOND, AWS_CREATE_INTERVAL_MS};
use crate::decl::{Field, Format, Kind, ObjectDecl, ResourceDecl, Role};

/// Like pulumi-aws: a call is tried up to 25 times before its error is reported.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 25;

pub const CFG_REGION: &str = crate::decl::REGION;
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
    import_id: "",
    list_inputs: None,
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
            .env(&["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])
            .aws(),
        Field::new(CFG_HTTPS_PROXY, Kind::String, Role::Input, "The proxy for https:// endpoints, AWS's own included; reached with HTTP CONNECT.")
            .len(1, 2048)
            .format(Format::Url)
            .env(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])
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
        Field::new(CFG_MAX_RETRIES, Kind::Integer, Role::Input, "How many times a throttled or failed AWS call is attempted in all.")
            .range(1, 100)
            .default_int(DEFAULT_MAX_ATTEMPTS as i64)
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
        Field::new(CFG_RATE_LIMITING, Kind::Boolean, Role::Input, "Pace calls to API Gateway's published quotas so parallel operations queue instead of being throttled.")
            .default_bool(true),
        Field::new(CFG_CALLS_PER_SECOND, Kind::Integer, Role::Input, "The account's management call rate to pace at, per second (by default AWS's quota).")
            .range(1, 100_000)
            .default_int(AWS_CALLS_PER_SECOND as i64),
        Field::new(CFG_CALL_BURST, Kind::Integer, Role::Input, "The burst of management calls allowed at once (by default AWS's quota).")
            .range(1, 100_000)
            .default_int(AWS_CALL_BURST as i64),
        Field::new(CFG_CREATE_INTERVAL_MS, Kind::Integer, Role::Input, "Milliseconds between CreateDeployment calls (by default AWS's quota: one every 5 seconds).")
            .range(0, 600_000)
            .default_int(AWS_CREATE_INTERVAL_MS as i64),
    ],
};
