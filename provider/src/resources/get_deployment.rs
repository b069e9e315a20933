//! `aws-apigatewayv2:index:getDeployment`: one deployment as AWS reports it. Its result's fields
//! are also the items of `getDeployments` ([`DEPLOYMENT_INFO`], [`DeploymentInfo`]).

use tokio::time::Instant;

use crate::apigw::deployments;
use crate::decl::props::{Props, Val};
use crate::decl::{Field, FunctionDecl, Kind, ObjectDecl, REGION, Role, region_field};
use crate::error::Error;
use crate::resources::lifecycle::{Ctx, FromProps, Function, IntoProps};

pub const API_ID: &str = "apiId";
pub const DEPLOYMENT_ID: &str = "deploymentId";
pub const DESCRIPTION: &str = "description";
pub const AUTO_DEPLOYED: &str = "autoDeployed";
pub const CREATED_DATE: &str = "createdDate";
pub const DEPLOYMENT_STATUS: &str = "deploymentStatus";
pub const DEPLOYMENT_STATUS_MESSAGE: &str = "deploymentStatusMessage";

/// The `apiId` argument every function takes.
pub const API_ID_ARG: Field = Field::new(
    API_ID,
    Kind::String,
    Role::Input,
    "The id of the API Gateway v2 API (HTTP or WebSocket).",
)
.required()
.len(1, 128);

/// The `region` argument every function takes (the query of a listing too).
pub const REGION_ARG: Field = region_field("The region of the API; the provider's region when unset.");

/// A deployment as AWS reports it.
pub const DEPLOYMENT_INFO: ObjectDecl = ObjectDecl {
    config_type: "",
    provider_type: "DeploymentInfo",
    doc: "A deployment as API Gateway reports it.",
    max_items: None,
    fields: &[
        Field::new(API_ID, Kind::String, Role::Output, "The id of the API."),
        Field::new(
            DEPLOYMENT_ID,
            Kind::String,
            Role::Output,
            "The id of the deployment (what a stage's `deploymentId` takes).",
        ),
        Field::new(DESCRIPTION, Kind::String, Role::Output, "The deployment's description.").optional(),
        Field::new(
            AUTO_DEPLOYED,
            Kind::Boolean,
            Role::Output,
            "Whether API Gateway created it for a stage with autoDeploy.",
        ),
        Field::new(CREATED_DATE, Kind::String, Role::Output, "When it was created (ISO-8601).").optional(),
        Field::new(DEPLOYMENT_STATUS, Kind::String, Role::Output, "PENDING, FAILED or DEPLOYED."),
        Field::new(
            DEPLOYMENT_STATUS_MESSAGE,
            Kind::String,
            Role::Output,
            "AWS's message about the status (why it FAILED).",
        )
        .optional(),
    ],
};

pub const GET_DEPLOYMENT: FunctionDecl = FunctionDecl {
    token: "aws-apigatewayv2:index:getDeployment",
    doc: "One deployment of an API as API Gateway reports it: its description, whether a stage with autoDeploy made it, when, and its status with AWS's message. A missing API or deployment fails with AWS's NotFoundException.",
    args: &[
        API_ID_ARG,
        Field::new(DEPLOYMENT_ID, Kind::String, Role::Input, "The id of the deployment.")
            .required()
            .len(1, 128),
        REGION_ARG,
    ],
    result: DEPLOYMENT_INFO.fields,
};

/// The arguments: which deployment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeploymentRef {
    pub api_id: String,
    pub deployment_id: String,
    pub region: Option<String>,
}

impl FromProps for DeploymentRef {
    fn from_props(mut p: Props) -> Self {
        Self {
            api_id: p.take_str(API_ID).unwrap_or_default(),
            deployment_id: p.take_str(DEPLOYMENT_ID).unwrap_or_default(),
            region: p.take_str(REGION),
        }
    }
}

/// A deployment as AWS reports it, as a result.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentInfo {
    pub api_id: String,
    pub deployment_id: String,
    pub description: Option<String>,
    pub auto_deployed: bool,
    pub created_date: Option<String>,
    pub deployment_status: String,
    pub deployment_status_message: Option<String>,
}

impl DeploymentInfo {
    pub fn of(api_id: &str, d: deployments::Deployment) -> Self {
        Self {
            api_id: api_id.to_string(),
            deployment_id: d.id,
            description: d.description,
            auto_deployed: d.auto_deployed,
            created_date: d.created_date,
            deployment_status: d.status,
            deployment_status_message: d.status_message,
        }
    }
}

impl IntoProps for DeploymentInfo {
    fn into_props(self) -> Props {
        let Self {
            api_id,
            deployment_id,
            description,
            auto_deployed,
            created_date,
            deployment_status,
            deployment_status_message,
        } = self;
        let mut p = Props::default();
        p.set(API_ID, Val::Str(api_id));
        p.set(DEPLOYMENT_ID, Val::Str(deployment_id));
        p.set_opt(DESCRIPTION, description.map(Val::Str));
        p.set(AUTO_DEPLOYED, Val::Bool(auto_deployed));
        p.set_opt(CREATED_DATE, created_date.map(Val::Str));
        p.set(DEPLOYMENT_STATUS, Val::Str(deployment_status));
        p.set_opt(DEPLOYMENT_STATUS_MESSAGE, deployment_status_message.map(Val::Str));
        p
    }
}

/// The getDeployment function.
#[derive(Debug, Clone, Copy, Default)]
pub struct GetDeployment;

impl Function for GetDeployment {
    const DECL: &'static FunctionDecl = &GET_DEPLOYMENT;
    type Args = DeploymentRef;
    type Result = DeploymentInfo;

    async fn invoke(&self, ctx: Ctx<'_>, args: DeploymentRef, deadline: Instant) -> Result<DeploymentInfo, Error> {
        let DeploymentRef {
            api_id,
            deployment_id,
            region,
        } = args;
        let aws = ctx.aws("getDeployment", region.as_deref())?;
        let d = aws.deployments.fetch(&api_id, &deployment_id, deadline).await.map_err(|e| {
            Error::aws(
                format!(
                    "getDeployment: GetDeployment for deployment {deployment_id} of {}",
                    aws.api(&api_id)
                ),
                &e,
            )
        })?;
        Ok(DeploymentInfo::of(&api_id, d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every declared result field is set by the typed result.
    #[test]
    fn result_covers_the_declaration() {
        let info = DeploymentInfo {
            api_id: "a".into(),
            deployment_id: "d".into(),
            description: Some("x".into()),
            auto_deployed: false,
            created_date: Some("2026-01-01T00:00:00Z".into()),
            deployment_status: "FAILED".into(),
            deployment_status_message: Some("boom".into()),
        };
        let p = info.into_props();
        for f in GET_DEPLOYMENT.result {
            assert!(p.get(f.name).is_some(), "{} is declared but never set", f.name);
        }
    }
}
