//! `aws-apigatewayv2:index:getApiFingerprint`: the live fingerprint of an API's configuration, in
//! the form a Deployment records at creation (`apiFingerprint`, `apiFingerprintParts`).

use std::collections::BTreeMap;
use tokio::time::Instant;

use crate::decl::props::{Props, Val};
use crate::decl::{Field, FunctionDecl, Kind, Role};
use crate::error::Error;
use crate::resources::deployment::{API_FINGERPRINT, API_FINGERPRINT_PARTS};
use crate::resources::get_deployment::{API_ID, API_ID_ARG, REGION_ARG};
use crate::resources::get_deployments::ApiRef;
use crate::resources::lifecycle::{Ctx, Function, IntoProps};

pub const PROTOCOL_TYPE: &str = "protocolType";

pub const GET_API_FINGERPRINT: FunctionDecl = FunctionDecl {
    token: "aws-apigatewayv2:index:getApiFingerprint",
    doc: "The fingerprint of an API's configuration as it is now: its routes, integrations and authorizers (and for WebSocket APIs its models, route responses and integration responses), in the form a Deployment records as `apiFingerprint` and `apiFingerprintParts` when it is created. Equal fingerprints mean the deployment snapshots what the API is now; the parts name what differs. A missing API fails with AWS's NotFoundException.",
    args: &[API_ID_ARG, REGION_ARG],
    result: &[
        Field::new(API_ID, Kind::String, Role::Output, "The id of the API."),
        Field::new(PROTOCOL_TYPE, Kind::String, Role::Output, "HTTP or WEBSOCKET."),
        Field::new(
            API_FINGERPRINT,
            Kind::String,
            Role::Output,
            "`v1:` and the SHA-256 of the configuration, as a Deployment's `apiFingerprint`.",
        ),
        Field::new(
            API_FINGERPRINT_PARTS,
            Kind::StringMap,
            Role::Output,
            "Per item (`route GET /users`, `integration 4f2a1bc`), short hashes of its fields, as a Deployment's `apiFingerprintParts`.",
        ),
    ],
};

/// An API's live fingerprint, as a result.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFingerprint {
    pub api_id: String,
    pub protocol_type: String,
    pub digest: String,
    pub parts: BTreeMap<String, String>,
}

impl IntoProps for ApiFingerprint {
    fn into_props(self) -> Props {
        let Self {
            api_id,
            protocol_type,
            digest,
            parts,
        } = self;
        let mut p = Props::default();
        p.set(API_ID, Val::Str(api_id));
        p.set(PROTOCOL_TYPE, Val::Str(protocol_type));
        p.set(API_FINGERPRINT, Val::Str(digest));
        p.set(API_FINGERPRINT_PARTS, Val::Map(parts));
        p
    }
}

/// The getApiFingerprint function.
#[derive(Debug, Clone, Copy, Default)]
pub struct GetApiFingerprint;

impl Function for GetApiFingerprint {
    const DECL: &'static FunctionDecl = &GET_API_FINGERPRINT;
    type Args = ApiRef;
    type Result = ApiFingerprint;

    async fn invoke(&self, ctx: Ctx<'_>, args: ApiRef, deadline: Instant) -> Result<ApiFingerprint, Error> {
        let aws = ctx.aws("getApiFingerprint", args.region.as_deref())?;
        let api_id = args.api_id;
        let config = aws.api_configs.read(&api_id, deadline).await.map_err(|e| {
            Error::aws(
                format!(
                    "getApiFingerprint: reading the routes, integrations and authorizers of {}",
                    aws.api(&api_id)
                ),
                &e,
            )
        })?;
        Ok(ApiFingerprint {
            api_id,
            protocol_type: config.protocol,
            digest: config.fingerprint.digest,
            parts: config.fingerprint.parts,
        })
    }
}
