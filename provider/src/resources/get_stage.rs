//! `aws-apigatewayv2:index:getStage`: a stage and the deployment it serves. Neither Terraform nor
//! pulumi-aws has a lookup of a v2 stage.

use tokio::time::Instant;

use crate::apigw::deployments::Stage;
use crate::decl::REGION;
use crate::decl::props::{Props, Val};
use crate::decl::{Field, FunctionDecl, Kind, Role};
use crate::error::Error;
use crate::resources::get_deployment::{API_ID, API_ID_ARG, DEPLOYMENT_ID, DESCRIPTION, REGION_ARG};
use crate::resources::lifecycle::{Ctx, FromProps, Function, IntoProps};

pub const STAGE_NAME: &str = "stageName";
pub const AUTO_DEPLOY: &str = "autoDeploy";
pub const CREATED_DATE: &str = "createdDate";
pub const LAST_UPDATED_DATE: &str = "lastUpdatedDate";
pub const LAST_DEPLOYMENT_STATUS_MESSAGE: &str = "lastDeploymentStatusMessage";

pub const GET_STAGE: FunctionDecl = FunctionDecl {
    token: "aws-apigatewayv2:index:getStage",
    doc: "A stage of an API: the deployment it serves, whether it deploys itself (autoDeploy), its dates and AWS's message about its last automatic deployment. Compare `deploymentId` with a Deployment's id, or the API's fingerprint (`getApiFingerprint`) with the one that deployment recorded, to tell whether the stage serves what the API is now. A missing API or stage fails with AWS's NotFoundException.",
    args: &[
        API_ID_ARG,
        Field::new(STAGE_NAME, Kind::String, Role::Input, "The name of the stage.")
            .required()
            .len(1, 128),
        REGION_ARG,
    ],
    result: &[
        Field::new(API_ID, Kind::String, Role::Output, "The id of the API."),
        Field::new(STAGE_NAME, Kind::String, Role::Output, "The name of the stage."),
        Field::new(
            DEPLOYMENT_ID,
            Kind::String,
            Role::Output,
            "The id of the deployment the stage serves; absent when it serves none.",
        )
        .optional(),
        Field::new(
            AUTO_DEPLOY,
            Kind::Boolean,
            Role::Output,
            "Whether API Gateway deploys the stage by itself on every change of the API.",
        ),
        Field::new(DESCRIPTION, Kind::String, Role::Output, "The stage's description.").optional(),
        Field::new(CREATED_DATE, Kind::String, Role::Output, "When the stage was created (ISO-8601).").optional(),
        Field::new(
            LAST_UPDATED_DATE,
            Kind::String,
            Role::Output,
            "When the stage last changed, a new deployment included (ISO-8601).",
        )
        .optional(),
        Field::new(
            LAST_DEPLOYMENT_STATUS_MESSAGE,
            Kind::String,
            Role::Output,
            "AWS's message about the last automatic deployment (stages with autoDeploy only).",
        )
        .optional(),
    ],
};

/// The arguments: which stage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageRef {
    pub api_id: String,
    pub stage_name: String,
    pub region: Option<String>,
}

impl FromProps for StageRef {
    fn from_props(mut p: Props) -> Self {
        Self {
            api_id: p.take_str(API_ID).unwrap_or_default(),
            stage_name: p.take_str(STAGE_NAME).unwrap_or_default(),
            region: p.take_str(REGION),
        }
    }
}

/// A stage as AWS reports it, as a result.
#[derive(Debug, Clone, PartialEq)]
pub struct StageInfo {
    pub api_id: String,
    pub stage: Stage,
}

impl IntoProps for StageInfo {
    fn into_props(self) -> Props {
        let Self {
            api_id,
            stage:
                Stage {
                    name,
                    deployment_id,
                    auto_deploy,
                    description,
                    created_date,
                    last_updated_date,
                    last_deployment_status_message,
                },
        } = self;
        let mut p = Props::default();
        p.set(API_ID, Val::Str(api_id));
        p.set(STAGE_NAME, Val::Str(name));
        p.set_opt(DEPLOYMENT_ID, deployment_id.map(Val::Str));
        p.set(AUTO_DEPLOY, Val::Bool(auto_deploy));
        p.set_opt(DESCRIPTION, description.map(Val::Str));
        p.set_opt(CREATED_DATE, created_date.map(Val::Str));
        p.set_opt(LAST_UPDATED_DATE, last_updated_date.map(Val::Str));
        p.set_opt(LAST_DEPLOYMENT_STATUS_MESSAGE, last_deployment_status_message.map(Val::Str));
        p
    }
}

/// The getStage function.
#[derive(Debug, Clone, Copy, Default)]
pub struct GetStage;

impl Function for GetStage {
    const DECL: &'static FunctionDecl = &GET_STAGE;
    type Args = StageRef;
    type Result = StageInfo;

    async fn invoke(&self, ctx: Ctx<'_>, args: StageRef, deadline: Instant) -> Result<StageInfo, Error> {
        let StageRef {
            api_id,
            stage_name,
            region,
        } = args;
        let aws = ctx.aws("getStage", region.as_deref())?;
        let stage = aws
            .deployments
            .stage(&api_id, &stage_name, deadline)
            .await
            .map_err(|e| Error::aws(format!("getStage: GetStage for stage {stage_name} of {}", aws.api(&api_id)), &e))?;
        Ok(StageInfo { api_id, stage })
    }
}
