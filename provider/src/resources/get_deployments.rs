//! `aws-apigatewayv2:index:getDeployments`: every deployment of an API, newest first, read page by
//! page through GetDeployments.

use tokio::time::Instant;

use crate::decl::REGION;
use crate::decl::props::{Props, Val};
use crate::decl::{Field, FunctionDecl, Kind, Role};
use crate::error::Error;
use crate::resources::get_deployment::{API_ID, API_ID_ARG, DEPLOYMENT_INFO, DeploymentInfo, REGION_ARG};
use crate::resources::lifecycle::{Ctx, FromProps, Function, IntoProps};

pub const DEPLOYMENTS: &str = "deployments";

pub const GET_DEPLOYMENTS: FunctionDecl = FunctionDecl {
    token: "aws-apigatewayv2:index:getDeployments",
    doc: "Every deployment of an API, newest first (all of GetDeployments' pages), each as `getDeployment` reports it: the ones a stage with autoDeploy made too. A missing API fails with AWS's NotFoundException.",
    args: &[API_ID_ARG, REGION_ARG],
    result: &[
        Field::new(API_ID, Kind::String, Role::Output, "The id of the API."),
        Field::new(
            DEPLOYMENTS,
            Kind::ObjectList(&DEPLOYMENT_INFO),
            Role::Output,
            "The deployments, newest first.",
        ),
    ],
};

/// The arguments: which API.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiRef {
    pub api_id: String,
    pub region: Option<String>,
}

impl FromProps for ApiRef {
    fn from_props(mut p: Props) -> Self {
        Self {
            api_id: p.take_str(API_ID).unwrap_or_default(),
            region: p.take_str(REGION),
        }
    }
}

/// The deployments of one API.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentList {
    pub api_id: String,
    pub deployments: Vec<DeploymentInfo>,
}

impl IntoProps for DeploymentList {
    fn into_props(self) -> Props {
        let Self { api_id, deployments } = self;
        let mut p = Props::default();
        p.set(API_ID, Val::Str(api_id));
        p.set(
            DEPLOYMENTS,
            Val::Objects(deployments.into_iter().map(IntoProps::into_props).collect()),
        );
        p
    }
}

/// Newest first; AWS's dates are ISO-8601 in one form, so their text orders as time does. Ties
/// (one-second resolution) fall back to the id, so the order is the same on every call.
fn newest_first(list: &mut [DeploymentInfo]) {
    list.sort_by(|a, b| {
        b.created_date
            .cmp(&a.created_date)
            .then_with(|| b.deployment_id.cmp(&a.deployment_id))
    });
}

/// The getDeployments function.
#[derive(Debug, Clone, Copy, Default)]
pub struct GetDeployments;

impl Function for GetDeployments {
    const DECL: &'static FunctionDecl = &GET_DEPLOYMENTS;
    type Args = ApiRef;
    type Result = DeploymentList;

    async fn invoke(&self, ctx: Ctx<'_>, args: ApiRef, deadline: Instant) -> Result<DeploymentList, Error> {
        let aws = ctx.aws("getDeployments", args.region.as_deref())?;
        let api_id = args.api_id;
        let listed = aws
            .deployments
            .list(&api_id, deadline)
            .await
            .map_err(|e| Error::aws(format!("getDeployments: GetDeployments for {}", aws.api(&api_id)), &e))?;
        let mut deployments: Vec<DeploymentInfo> = listed.into_iter().map(|d| DeploymentInfo::of(&api_id, d)).collect();
        newest_first(&mut deployments);
        Ok(DeploymentList { api_id, deployments })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: &str, created: Option<&str>) -> DeploymentInfo {
        DeploymentInfo {
            api_id: "a".into(),
            deployment_id: id.into(),
            description: None,
            auto_deployed: false,
            created_date: created.map(str::to_string),
            deployment_status: "DEPLOYED".into(),
            deployment_status_message: None,
        }
    }

    /// Newest first by creation time, ties by id, undated ones last.
    #[test]
    fn order() {
        let mut list = vec![
            info("b", Some("2026-01-01T00:00:01Z")),
            info("x", None),
            info("c", Some("2026-01-02T00:00:00Z")),
            info("a", Some("2026-01-01T00:00:01Z")),
        ];
        newest_first(&mut list);
        let ids: Vec<&str> = list.iter().map(|d| d.deployment_id.as_str()).collect();
        assert_eq!(ids, vec!["c", "b", "a", "x"]);
    }
}
