//! `aws-apigatewayv2:index:Deployment`: its declaration, its typed inputs and outputs, and its
//! lifecycle. The fingerprint of the API's configuration is recorded at creation and compared by
//! Diff (with `redeployOnApiChange`) and Read (a warning when the API moved on).

use std::collections::BTreeMap;
use tokio::time::Instant;

use crate::apigw::Regional;
use crate::apigw::deployments::{self, WaitError};
use crate::apigw::fingerprint::{self, Change};
use crate::decl::diff::{ChangeKind, DiffResult};
use crate::decl::props::{Props, Val};
use crate::decl::{Field, Kind, REGION, ResourceDecl, Role, region_field};
use crate::error::{AwsError, Error};
use crate::resources::lifecycle::{Created, Ctx, DiffInput, FromProps, IntoProps, ListPage, PageRequest, ReadResult, Resource};

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
    doc: include_str!("deployment.md"),
    import_id: "<apiId>/<deploymentId>[@<region>]",
    list_inputs: Some(&[
        Field::new(API_ID, Kind::String, Role::Input, "The id of the API whose deployments to list.")
            .required()
            .len(1, 128),
        crate::resources::get_deployment::REGION_ARG,
    ]),
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
        region_field("The AWS region of the API and so of the deployment, as pulumi-aws v7's `region`. Unset, it is the provider's region, which Check writes into the inputs; changing it (or, when unset, the provider's region) creates the deployment anew in the new region.")
            .replace(),
        Field::new(REDEPLOY_ON_API_CHANGE, Kind::Boolean, Role::Input, "When true, every preview and update reads the API's routes, integrations and authorizers (and for WebSocket APIs its models, route responses and integration responses) and replaces this deployment when they differ from what it was created from, naming what changed; with `stageName` the stage then serves the new configuration. Off by default: then a refresh only warns when the API moved on.")
            .default_bool(false),
        Field::new(AUTO_DEPLOYED, Kind::Boolean, Role::Output, "Whether API Gateway created this deployment automatically for a stage with autoDeploy."),
        Field::new(CREATED_DATE, Kind::String, Role::Output, "When the deployment was created (ISO-8601)."),
        Field::new(DEPLOYMENT_STATUS, Kind::String, Role::Output, "The deployment's status as AWS reports it: PENDING, FAILED or DEPLOYED."),
        Field::new(API_FINGERPRINT, Kind::String, Role::Output, "The fingerprint (`v1:` and a SHA-256) of the API configuration this deployment was created from. Recorded at creation only; absent for imported deployments and for those created before version 0.2.0.")
            .optional()
            .checked_input(),
        Field::new(API_FINGERPRINT_PARTS, Kind::StringMap, Role::Output, "Per item of the fingerprinted configuration (for example `route GET /users`, `integration 4f2a1bc`), short hashes of its fields, so changes can be named.")
            .optional()
            .checked_input(),
    ],
};

/// What the program sets, and (with redeployOnApiChange, from Check on) the fingerprint of the
/// API's configuration as Check found it: the engine shows it against the recorded one, so a
/// preview names each route or integration added, removed or changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeploymentInputs {
    pub api_id: Option<String>,
    pub description: Option<String>,
    pub triggers: Option<BTreeMap<String, String>>,
    pub stage_name: Option<String>,
    pub region: Option<String>,
    pub redeploy_on_api_change: Option<bool>,
    pub live: Recorded,
}

impl DeploymentInputs {
    fn redeploys(&self) -> bool {
        self.redeploy_on_api_change == Some(true)
    }
}

impl FromProps for DeploymentInputs {
    fn from_props(mut p: Props) -> Self {
        Self {
            api_id: p.take_str(API_ID),
            description: p.take_str(DESCRIPTION),
            triggers: p.take_map(TRIGGERS),
            stage_name: p.take_str(STAGE_NAME),
            region: p.take_str(REGION),
            redeploy_on_api_change: p.bool(REDEPLOY_ON_API_CHANGE),
            live: Recorded::from_props(p),
        }
    }
}

impl IntoProps for DeploymentInputs {
    fn into_props(self) -> Props {
        let Self {
            api_id,
            description,
            triggers,
            stage_name,
            region,
            redeploy_on_api_change,
            live,
        } = self;
        let mut p = live.into_props();
        p.set_opt(API_ID, api_id.map(Val::Str));
        p.set_opt(DESCRIPTION, description.map(Val::Str));
        p.set_opt(TRIGGERS, triggers.map(Val::Map));
        p.set_opt(STAGE_NAME, stage_name.map(Val::Str));
        p.set_opt(REGION, region.map(Val::Str));
        p.set_opt(REDEPLOY_ON_API_CHANGE, redeploy_on_api_change.map(Val::Bool));
        p
    }
}

/// The fingerprint recorded at creation: the digest and the per-item parts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recorded {
    pub digest: Option<String>,
    pub parts: Option<BTreeMap<String, String>>,
}

impl FromProps for Recorded {
    fn from_props(mut p: Props) -> Self {
        Self::take(&mut p)
    }
}

impl IntoProps for Recorded {
    fn into_props(self) -> Props {
        let Self { digest, parts } = self;
        let mut p = Props::default();
        p.set_opt(API_FINGERPRINT, digest.map(Val::Str));
        p.set_opt(API_FINGERPRINT_PARTS, parts.map(Val::Map));
        p
    }
}

impl Recorded {
    /// Moves the fingerprint's two properties out of `p`.
    fn take(p: &mut Props) -> Self {
        Self {
            digest: p.take_str(API_FINGERPRINT),
            parts: p.take_map(API_FINGERPRINT_PARTS),
        }
    }

    fn of(fp: fingerprint::Fingerprint) -> Self {
        Self {
            digest: Some(fp.digest),
            parts: Some(fp.parts),
        }
    }

    fn both(&self) -> Option<(&str, &BTreeMap<String, String>)> {
        Some((self.digest.as_deref()?, self.parts.as_ref()?))
    }
}

/// What the engine stores: the inputs echoed (with AWS's apiId and description), what AWS
/// reports, and the fingerprint recorded at creation. Deployments imported or made before 0.2.0
/// have no fingerprint; imported ones start with no outputs at all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeploymentOutputs {
    pub inputs: DeploymentInputs,
    pub auto_deployed: Option<bool>,
    pub created_date: Option<String>,
    pub deployment_status: Option<String>,
    pub fingerprint: Recorded,
}

impl DeploymentOutputs {
    /// The outputs of `inputs` as AWS reports deployment `d` of `api_id`.
    fn reported(mut inputs: DeploymentInputs, at: &Located, d: &deployments::Deployment, fingerprint: Recorded) -> Self {
        // In the outputs these names hold the fingerprint recorded at creation.
        inputs.live = Recorded::default();
        inputs.api_id = Some(at.api_id.clone());
        inputs.region = Some(at.region.clone());
        inputs.description = d.description.clone();
        Self {
            inputs,
            auto_deployed: Some(d.auto_deployed),
            created_date: d.created_date.clone(),
            deployment_status: Some(d.status.clone()),
            fingerprint,
        }
    }
}

impl FromProps for DeploymentOutputs {
    fn from_props(mut p: Props) -> Self {
        // The recorded fingerprint is an output here; taken first, it is not also the inputs'
        // live one.
        let fingerprint = Recorded::take(&mut p);
        Self {
            auto_deployed: p.bool(AUTO_DEPLOYED),
            created_date: p.take_str(CREATED_DATE),
            deployment_status: p.take_str(DEPLOYMENT_STATUS),
            fingerprint,
            inputs: DeploymentInputs::from_props(p),
        }
    }
}

impl IntoProps for DeploymentOutputs {
    fn into_props(self) -> Props {
        let Self {
            inputs,
            auto_deployed,
            created_date,
            deployment_status,
            fingerprint,
        } = self;
        let mut p = DeploymentInputs {
            live: Recorded::default(),
            ..inputs
        }
        .into_props();
        p.set_opt(AUTO_DEPLOYED, auto_deployed.map(Val::Bool));
        p.set_opt(CREATED_DATE, created_date.map(Val::Str));
        p.set_opt(DEPLOYMENT_STATUS, deployment_status.map(Val::Str));
        let recorded = fingerprint.into_props();
        for name in [API_FINGERPRINT, API_FINGERPRINT_PARTS] {
            p.copy_from(name, &recorded);
        }
        p
    }
}

/// `Operation for deployment <id> of API <api>[ in <region>]` (or `a deployment` before it has
/// an id).
fn what(operation: &str, at: &Regional, api_id: &str, id: Option<&str>) -> String {
    let api = at.api(api_id);
    match id {
        Some(id) => format!("{operation} for deployment {id} of {api}"),
        None => format!("{operation} for a deployment of {api}"),
    }
}

/// A resource id taken apart: the API, the deployment, and the region an import id names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdParts {
    pub api_id: String,
    pub id: String,
    pub region: Option<String>,
}

/// Where a stored deployment lives: its API, its id and its region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub api_id: String,
    pub id: String,
    pub region: String,
}

/// Resolves the deployment's API and id from the resource id (`apiId/deploymentId[@region]` for
/// imports and `pulumi do`, or the bare deployment id with the apiId the stored properties know).
pub fn split_id(id: &str, known_api: Option<&str>) -> Result<IdParts, Error> {
    let malformed = || {
        Error::BadInput(format!(
            "deployment id {id:?} is malformed: expected <apiId>/<deploymentId> or <apiId>/<deploymentId>@<region>, for example \
             `pulumi import aws-apigatewayv2:index:Deployment name a1b2c3d4e5/abc123` or `... a1b2c3d4e5/abc123@eu-west-1`"
        ))
    };
    let (rest, region) = match id.rsplit_once('@') {
        Some((_, "")) => return Err(malformed()),
        Some((rest, region)) => (rest, Some(region.to_string())),
        None => (id, None),
    };
    if let Some((api, dep)) = rest.split_once('/') {
        if api.is_empty() || dep.is_empty() || dep.contains('/') {
            return Err(malformed());
        }
        return Ok(IdParts {
            api_id: api.to_string(),
            id: dep.to_string(),
            region,
        });
    }
    if rest.is_empty() {
        return Err(malformed());
    }
    // A bare id is what Create returns (a stage's deploymentId takes it); with no stored apiId
    // (`pulumi do ... read <id>`, an import) the API must come with it.
    let api = known_api.ok_or_else(|| {
        Error::BadInput(format!(
            "deployment id {id:?} does not say which API it belongs to: give it as <apiId>/<deploymentId>, \
             that is `<apiId>/{id}` (for example `pulumi do aws-apigatewayv2:index:Deployment read a1b2c3d4e5/{id}` \
             or `pulumi import aws-apigatewayv2:index:Deployment name a1b2c3d4e5/{id}`)"
        ))
    })?;
    Ok(IdParts {
        api_id: api.to_string(),
        id: rest.to_string(),
        region,
    })
}

/// The deployment a stored resource stands for and the clients of its region: the region its
/// state records, else the one its id names (`@region`, an import), else the provider's (state
/// of releases before regions were recorded).
fn locate(
    ctx: Ctx<'_>,
    operation: &str,
    id: &str,
    olds: &DeploymentOutputs,
    old_inputs: &DeploymentInputs,
) -> Result<(Located, Regional), Error> {
    let known_api = olds.inputs.api_id.as_deref().or(old_inputs.api_id.as_deref());
    let parts = split_id(id, known_api)?;
    let region = olds
        .inputs
        .region
        .as_deref()
        .or(old_inputs.region.as_deref())
        .or(parts.region.as_deref());
    let aws = ctx.aws(operation, region)?;
    let at = Located {
        api_id: parts.api_id,
        id: parts.id,
        region: aws.region.clone(),
    };
    Ok((at, aws))
}

/// The hint added to AWS's refusal of a deployment id on a stage that deploys itself.
fn auto_deploy_hint(stage: &str) -> String {
    format!(
        "stage '{stage}' has autoDeploy enabled, so API Gateway deploys it by itself and refuses a deployment id on it. \
         Either drop stageName from this Deployment, or turn autoDeploy off on stage '{stage}'"
    )
}

/// The part of Diff that needs no AWS call: the declared rules' changes, FAILED deployments
/// replaced, and whether the API's live configuration must be compared too (the option is on,
/// the fingerprint is not ignored and no replacement is planned already).
fn planned_diff(
    mut result: DiffResult,
    old_outputs: &DeploymentOutputs,
    news: &DeploymentInputs,
    ignore_changes: &[String],
) -> (DiffResult, bool) {
    // A deployment AWS reports FAILED (recorded with init errors) cannot be repaired in place:
    // replacing it is the only way the next `pulumi up` can finish it.
    if old_outputs.deployment_status.as_deref() == Some("FAILED") {
        result.changes.push((DEPLOYMENT_STATUS, ChangeKind::UpdateReplace));
    }
    let ignored = ignore_changes.iter().any(|p| p == API_FINGERPRINT || p == API_FINGERPRINT_PARTS);
    let follow = news.redeploys() && !ignored && result.replaces().is_empty();
    (result, follow)
}

/// The Deployment resource.
#[derive(Debug, Clone, Copy, Default)]
pub struct Deployment;

impl Resource for Deployment {
    const DECL: &'static ResourceDecl = &DEPLOYMENT;
    type Inputs = DeploymentInputs;
    type Outputs = DeploymentOutputs;

    /// Creates the deployment, records the fingerprint of the configuration it snapshots, and
    /// waits for DEPLOYED.
    async fn create(&self, ctx: Ctx<'_>, inputs: DeploymentInputs, deadline: Instant) -> Result<Created<DeploymentOutputs>, Error> {
        let aws = ctx.aws("Create", inputs.region.as_deref())?;
        let api_id = inputs
            .api_id
            .clone()
            .ok_or_else(|| Error::BadInput(format!("Create of {}: apiId is missing or unknown", ctx.urn)))?;
        let stage = inputs.stage_name.as_deref();
        if let Some(stage) = stage
            && let Some(true) = aws
                .deployments
                .stage_auto_deploy(&api_id, stage, deadline)
                .await
                .map_err(|e| Error::aws(what("GetStage", &aws, &api_id, None), &e))?
        {
            return Err(Error::Precondition(format!(
                "Create of a deployment of {} refused before anything was created: {}.",
                aws.api(&api_id),
                auto_deploy_hint(stage)
            )));
        }
        // Read before the create: a change racing it then shows up as a difference later (a
        // redeploy too many), never as a difference missed.
        let recorded = match aws.api_configs.read(&api_id, deadline).await {
            Ok(config) => Recorded::of(config.fingerprint),
            // Without the option a policy that only lacks the Get* permissions costs the
            // fingerprint, not the deployment; any other failure (credentials, a missing API)
            // would fail the create as well, so it fails here, before anything exists.
            Err(e) if !inputs.redeploys() && e.is("AccessDeniedException") => {
                let msg = format!(
                    "could not read the configuration of {} ({e}); this deployment records no fingerprint, so refresh cannot tell when the API moves on",
                    aws.api(&api_id)
                );
                ctx.warn(&msg).await;
                Recorded::default()
            }
            Err(e) => {
                return Err(Error::aws(
                    what(
                        "Reading the API's configuration (for the deployment's fingerprint) before creating",
                        &aws,
                        &api_id,
                        None,
                    ),
                    &e,
                ));
            }
        };
        let created = aws
            .deployments
            .create(&api_id, inputs.description.as_deref(), stage, deadline)
            .await
            .map_err(|e| explain_create_failure(&aws, &api_id, stage, e))?;
        let id = created.id.clone();
        let at = Located {
            api_id: api_id.clone(),
            id: id.clone(),
            region: aws.region.clone(),
        };
        tracing::info!(api_id, deployment_id = id, region = aws.region, "created deployment");
        match wait(ctx, &aws, &api_id, created, deadline).await {
            Ok(d) => Ok(Created {
                outputs: DeploymentOutputs::reported(inputs, &at, &d, recorded),
                id,
            }),
            Err((d, e)) => Err(Error::Partial {
                outputs: DeploymentOutputs::reported(inputs, &at, &d, recorded).into_props(),
                reason: format!("deployment {id} of {} was created, but {e}", aws.api(&api_id)),
                id,
            }),
        }
    }

    /// With redeployOnApiChange, a deployment being updated gets the live fingerprint of its API
    /// into its checked inputs: the engine then shows each item changed since the recorded one
    /// (`+ route POST /b`), and Diff compares the two without reading the API again. A read that
    /// fails leaves it out; Diff then reads, and names the failure. When Diff plans a
    /// replacement the engine checks the inputs again without the old ones, and what it shows
    /// comes from that second Check: it gets the first one's read (nothing the deployment
    /// depends on runs in between). A deployment being created reads nothing here. When an
    /// earlier read of the API in this run already differs from the recorded fingerprint, that
    /// read is the proof and nothing is read again, and under `pulumi preview` any earlier read
    /// stands: a preview of many deployments of one API reads it once.
    async fn check(
        &self,
        ctx: Ctx<'_>,
        mut news: DeploymentInputs,
        existing: Option<DeploymentOutputs>,
        deadline: Instant,
    ) -> DeploymentInputs {
        news.live = Recorded::default();
        if !news.redeploys() || ctx.aws.is_none() {
            return news;
        }
        let Some(existing) = existing else {
            if let Some(live) = checked_reads::take(ctx.urn) {
                news.live = live;
            }
            return news;
        };
        // Boxed: the read's future (the SDK's calls) is kilobytes, which every Check of every
        // deployment would otherwise carry and move.
        Box::pin(check_live(ctx, news, existing.fingerprint.digest, deadline)).await
    }

    /// The recorded fingerprint is kept as it was (never replaced by the live one); when the API
    /// moved on since, the user is warned.
    async fn read(
        &self,
        ctx: Ctx<'_>,
        id: &str,
        old_outputs: DeploymentOutputs,
        old_inputs: DeploymentInputs,
        deadline: Instant,
    ) -> Result<Option<ReadResult<DeploymentInputs, DeploymentOutputs>>, Error> {
        let (at, aws) = locate(ctx, "Read", id, &old_outputs, &old_inputs)?;
        let Some(d) = aws
            .deployments
            .get(&at.api_id, &at.id, deadline)
            .await
            .map_err(|e| Error::aws(what("GetDeployment", &aws, &at.api_id, Some(&at.id)), &e))?
        else {
            return Ok(None);
        };
        // Inputs AWS reports come from AWS, the region from where it was found; the others
        // (triggers, stageName) stay as they were.
        let inputs = DeploymentInputs {
            api_id: Some(at.api_id.clone()),
            description: d.description.clone(),
            region: Some(at.region.clone()),
            live: Recorded::default(),
            ..old_inputs
        };
        let outputs = DeploymentOutputs::reported(inputs.clone(), &at, &d, old_outputs.fingerprint);
        if let Some((digest, parts)) = outputs.fingerprint.both() {
            warn_if_stale(ctx, &aws, &at.api_id, &at.id, digest, parts, inputs.redeploys(), deadline).await;
        }
        Ok(Some(ReadResult {
            id: at.id,
            outputs,
            inputs,
        }))
    }

    async fn update(
        &self,
        ctx: Ctx<'_>,
        id: &str,
        olds: DeploymentOutputs,
        news: DeploymentInputs,
        deadline: Instant,
    ) -> Result<DeploymentOutputs, Error> {
        let (at, aws) = locate(ctx, "Update", id, &olds, &news)?;
        let (api_id, id) = (&at.api_id, &at.id);
        let updated = aws
            .deployments
            .update(api_id, id, news.description.as_deref().unwrap_or(""), deadline)
            .await
            .map_err(|e| Error::aws(what("UpdateDeployment", &aws, api_id, Some(id)), &e))?;
        let recorded = olds.fingerprint;
        match wait(ctx, &aws, api_id, updated, deadline).await {
            Ok(d) => Ok(DeploymentOutputs::reported(news, &at, &d, recorded)),
            Err((d, e)) => Err(Error::Partial {
                outputs: DeploymentOutputs::reported(news, &at, &d, recorded).into_props(),
                reason: format!("deployment {id} of {} was updated, but {e}", aws.api(api_id)),
                id: id.clone(),
            }),
        }
    }

    async fn delete(
        &self,
        ctx: Ctx<'_>,
        id: &str,
        olds: DeploymentOutputs,
        old_inputs: DeploymentInputs,
        deadline: Instant,
    ) -> Result<(), Error> {
        let (at, aws) = locate(ctx, "Delete", id, &olds, &old_inputs)?;
        let (api_id, id) = (&at.api_id, &at.id);
        let e = match aws.deployments.delete(api_id, id, deadline).await {
            Ok(()) => return Ok(()),
            Err(e) if e.is("BadRequestException") => e,
            Err(e) => return Err(Error::aws(what("DeleteDeployment", &aws, api_id, Some(id)), &e)),
        };
        let stages = aws.deployments.stages_pointing_at(api_id, id, deadline).await.unwrap_or_default();
        if stages.is_empty() {
            return Err(Error::aws(what("DeleteDeployment", &aws, api_id, Some(id)), &e));
        }
        let names = stages.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
        let head = format!(
            "{} was refused because stage {names} still points at it (AWS: {e}).",
            what("DeleteDeployment", &aws, api_id, Some(id))
        );
        let own_stage = olds.inputs.stage_name.as_deref().or(old_inputs.stage_name.as_deref());
        let advice = match own_stage {
            Some(stage) if stages.iter().any(|s| s == stage) => format!(
                " This deployment was released to '{stage}' with stageName, so a replacement takes the stage over when it is created; \
                 the stage can still point here only when the replacement is ordered delete-before-create (deleteBeforeReplace): \
                 remove deleteBeforeReplace from this Deployment's options. If you are destroying the stack or removing the Deployment, \
                 delete stage '{stage}' or point it at another deployment first. Then run the operation again."
            ),
            _ => format!(
                " Point the stage at another deployment first: manage the stage in Pulumi with deploymentId set to the replacement Deployment's id, \
                 or give the replacement Deployment stageName: {} so it takes the stage over when it is created. Then run the operation again.",
                stages[0]
            ),
        };
        Err(Error::Precondition(head + &advice))
    }

    /// The deployments of the query's API, one GetDeployments page per call, as
    /// `<apiId>/<deploymentId>` (with `@<region>` outside the provider's region): the form Read
    /// (and `pulumi import`, `pulumi do read`) takes.
    async fn list(&self, ctx: Ctx<'_>, query: DeploymentInputs, page: PageRequest, deadline: Instant) -> Result<ListPage, Error> {
        let aws = ctx.aws("List", query.region.as_deref())?;
        let api_id = query
            .api_id
            .ok_or_else(|| Error::BadInput("List of deployments: apiId is missing".to_string()))?;
        let (found, next) = aws
            .deployments
            .page(&api_id, page.max, page.token, deadline)
            .await
            .map_err(|e| Error::aws(format!("List: GetDeployments for {}", aws.api(&api_id)), &e))?;
        let suffix = if aws.home { String::new() } else { format!("@{}", aws.region) };
        Ok(ListPage {
            ids: found.into_iter().map(|d| format!("{api_id}/{}{suffix}", d.id)).collect(),
            next,
        })
    }

    /// Input changes from the declaration, a FAILED deployment replaced, and with
    /// redeployOnApiChange a replacement when the API's configuration moved on since creation.
    async fn diff(
        &self,
        ctx: Ctx<'_>,
        input: DiffInput<'_, DeploymentInputs, DeploymentOutputs>,
        deadline: Instant,
    ) -> Result<DiffResult, Error> {
        let DiffInput {
            id,
            old_outputs,
            old_inputs,
            news,
            planned,
            ignore_changes,
        } = input;
        let (result, follow) = planned_diff(planned, &old_outputs, &news, ignore_changes);
        if !follow {
            return Ok(result);
        }
        // Boxed for the reason Check's read is.
        Box::pin(diff_following(ctx, id, result, old_outputs, old_inputs, news, deadline)).await
    }
}

/// Diff's comparison of the recorded fingerprint with the API's live one (redeployOnApiChange).
async fn diff_following(
    ctx: Ctx<'_>,
    id: &str,
    mut result: DiffResult,
    old_outputs: DeploymentOutputs,
    old_inputs: DeploymentInputs,
    news: DeploymentInputs,
    deadline: Instant,
) -> Result<DiffResult, Error> {
    if ctx.aws.is_none() {
        // Provider config unknown in this preview: the declared rules still apply, the API
        // cannot be read until `pulumi up` knows where it is.
        let msg = "redeployOnApiChange: the provider's configuration is not known in this preview, so the API's configuration \
                   cannot be read yet; `pulumi up` compares it once the configuration is known";
        ctx.warn(msg).await;
        return Ok(result);
    }
    let Some((digest, parts)) = old_outputs.fingerprint.both() else {
        let msg = format!(
            "redeployOnApiChange: deployment {id} has no recorded API fingerprint (it was imported, or created before version 0.2.0), \
             so whether the API changed since it was taken is unknown and it is not replaced. To start following the API, \
             replace it once: `pulumi up --replace '{}'` (or change triggers)",
            ctx.urn
        );
        ctx.warn(&msg).await;
        return Ok(result);
    };
    let (at, aws) = locate(ctx, "Diff", id, &old_outputs, &old_inputs)?;
    let (api_id, id) = (&at.api_id, &at.id);
    let live = match news.live {
        // Check read it moments ago.
        Recorded {
            digest: Some(digest),
            parts: Some(parts),
        } => fingerprint::Fingerprint { digest, parts },
        _ => aws
            .api_configs
            .read(api_id, deadline)
            .await
            .map_err(|e| {
                Error::aws(
                    what(
                        "Diff (redeployOnApiChange) could not read the API's configuration; without it the provider cannot tell whether the deployment is current. Reading the routes, integrations and authorizers",
                        &aws,
                        api_id,
                        Some(id),
                    ),
                    &e,
                )
            })?
            .fingerprint,
    };
    if live.digest == digest {
        return Ok(result);
    }
    let changes = fingerprint::changes(parts, &live.parts);
    let msg = format!(
        "deployment {id} of {} was taken before {}; replacing it (redeployOnApiChange)",
        aws.api(api_id),
        stale_summary(&changes)
    );
    ctx.warn(&msg).await;
    result.changes.push((API_FINGERPRINT_PARTS, ChangeKind::UpdateReplace));
    result.details = changes
        .iter()
        .map(|c| {
            let kind = match c {
                Change::Added(_) => ChangeKind::AddReplace,
                Change::Removed(_) => ChangeKind::DeleteReplace,
                Change::Changed(..) => ChangeKind::UpdateReplace,
            };
            (format!("{API_FINGERPRINT_PARTS}[{:?}]", c.label()), kind)
        })
        .collect();
    Ok(result)
}

/// The live fingerprint Check of a deployment being updated read, kept for the engine's second
/// Check of that deployment when Diff plans its replacement (the engine sends that one without
/// the old inputs). Taken once; an entry nobody takes soon is dropped.
mod checked_reads {
    use super::Recorded;
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    use std::time::{Duration, Instant};

    /// The second Check follows the first one's Diff at once; a minute is ample.
    const KEPT_FOR: Duration = Duration::from_secs(60);

    fn reads() -> &'static Mutex<HashMap<String, (Instant, Recorded)>> {
        static READS: OnceLock<Mutex<HashMap<String, (Instant, Recorded)>>> = OnceLock::new();
        READS.get_or_init(Default::default)
    }

    pub fn keep(urn: &str, live: &Recorded) {
        let mut reads = reads().lock().unwrap_or_else(|p| p.into_inner());
        reads.retain(|_, (at, _)| at.elapsed() < KEPT_FOR);
        reads.insert(urn.to_string(), (Instant::now(), live.clone()));
    }

    pub fn take(urn: &str) -> Option<Recorded> {
        let mut reads = reads().lock().unwrap_or_else(|p| p.into_inner());
        reads.remove(urn).filter(|(at, _)| at.elapsed() < KEPT_FOR).map(|(_, live)| live)
    }
}

/// Check's live fingerprint of a followed API, for a deployment being updated that recorded
/// `recorded` (if it recorded one): an earlier read of this run that may stand for a new one
/// (any in a preview, one that differs from `recorded` otherwise), or a read.
async fn check_live(ctx: Ctx<'_>, mut news: DeploymentInputs, recorded: Option<String>, deadline: Instant) -> DeploymentInputs {
    let (Some(api_id), Ok(aws)) = (news.api_id.clone(), ctx.aws("Check", news.region.as_deref())) else {
        return news;
    };
    let live = match aws.api_configs.earlier(&api_id, recorded.as_deref(), ctx.preview) {
        Some(live) => Ok(live),
        None => aws.api_configs.read(&api_id, deadline).await.map(|c| c.fingerprint),
    };
    match live {
        Ok(live) => {
            news.live = Recorded::of(live);
            checked_reads::keep(ctx.urn, &news.live);
        }
        Err(e) => tracing::info!(api_id, "Check could not read the API's configuration ({e}); Diff reads it"),
    }
    news
}

/// Waits for DEPLOYED, telling the user what it waits for.
async fn wait(
    ctx: Ctx<'_>,
    aws: &Regional,
    api_id: &str,
    current: deployments::Deployment,
    deadline: Instant,
) -> Result<deployments::Deployment, (deployments::Deployment, WaitError)> {
    if current.status != "DEPLOYED" {
        let msg = format!(
            "waiting for deployment {} of {} to be DEPLOYED (now {})",
            current.id,
            aws.api(api_id),
            current.status
        );
        ctx.info(&msg, true).await;
    }
    aws.deployments.wait_deployed(api_id, current, deadline).await
}

/// AWS's refusal, with how to fix the program when the cause is a usual mistake.
fn explain_create_failure(aws: &Regional, api_id: &str, stage: Option<&str>, e: AwsError) -> Error {
    let err = Error::aws(what("CreateDeployment", aws, api_id, None), &e);
    if e.is("BadRequestException") && e.message.contains("no routes exist") {
        err.with_hint(
            ". The deployment was probably created before the API's routes: make it depend on them \
             (`dependsOn` the route resources, or put a route output such as its id into `triggers`)",
        )
    } else if e.is("BadRequestException")
        && e.message.contains("AutoDeploy")
        && let Some(stage) = stage
    {
        err.with_hint(&format!(". {}", auto_deploy_hint(stage)))
    } else {
        err
    }
}

#[allow(clippy::too_many_arguments)]
async fn warn_if_stale(
    ctx: Ctx<'_>,
    aws: &Regional,
    api_id: &str,
    id: &str,
    digest: &str,
    parts: &BTreeMap<String, String>,
    redeploys: bool,
    deadline: Instant,
) {
    let live = match aws.api_configs.read(api_id, deadline).await {
        Ok(c) => c.fingerprint,
        Err(e) => {
            let msg = format!(
                "could not check whether {} changed since deployment {id} was taken: {e}",
                aws.api(api_id)
            );
            ctx.warn(&msg).await;
            return;
        }
    };
    if live.digest == digest {
        return;
    }
    let changes = fingerprint::changes(parts, &live.parts);
    let stages = aws.deployments.stages_pointing_at(api_id, id, deadline).await.unwrap_or_default();
    let api = aws.api(api_id);
    let who = match stages.as_slice() {
        [] => format!("deployment {id} of {api} (no stage serves it)"),
        [one] => format!("stage {one} serves deployment {id} of {api}"),
        many => format!("stages {} serve deployment {id} of {api}", many.join(", ")),
    };
    let advice = if redeploys {
        "the next `pulumi up` replaces it (redeployOnApiChange is set)"
    } else {
        "set redeployOnApiChange or change triggers"
    };
    let msg = format!("{who}, taken before {}; {advice}", stale_summary(&changes));
    ctx.warn(&msg).await;
}

/// "route GET /users added; integration 4f2a: integrationUri changed" as a phrase.
fn stale_summary(changes: &[Change]) -> String {
    if changes.is_empty() {
        // Same items, same field hashes, different digest: only a short-hash collision does that.
        "a change to the API's configuration".to_string()
    } else {
        fingerprint::summary(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decl::props::{self, Strictness};

    /// Import ids split into API and deployment; malformed ones name the expected form.
    #[test]
    fn ids() {
        let parts = |api: &str, id: &str, region: Option<&str>| IdParts {
            api_id: api.into(),
            id: id.into(),
            region: region.map(str::to_string),
        };
        assert_eq!(split_id("api1/dep1", None).unwrap(), parts("api1", "dep1", None));
        assert_eq!(
            split_id("api1/dep1@eu-west-1", None).unwrap(),
            parts("api1", "dep1", Some("eu-west-1"))
        );
        assert_eq!(
            split_id("dep1@eu-west-1", Some("api9")).unwrap(),
            parts("api9", "dep1", Some("eu-west-1"))
        );
        for bad in ["api1/", "/dep1", "a/b/c", "", "dep1", "api1/dep1@", "@eu-west-1"] {
            let Err(Error::BadInput(msg)) = split_id(bad, None) else {
                panic!("{bad} accepted")
            };
            assert!(msg.contains("<apiId>/<deploymentId>"), "{bad}: {msg}");
        }
        assert_eq!(split_id("dep1", Some("api9")).unwrap(), parts("api9", "dep1", None));
        let Err(Error::BadInput(msg)) = split_id("dep1", None) else {
            panic!("bare id without an API accepted")
        };
        assert!(msg.contains("`<apiId>/dep1`"), "says exactly what to type: {msg}");
    }

    fn full_outputs() -> DeploymentOutputs {
        DeploymentOutputs {
            inputs: DeploymentInputs {
                api_id: Some("a1".into()),
                description: Some("d".into()),
                triggers: Some(BTreeMap::from([("k".to_string(), "v".to_string())])),
                stage_name: Some("prod".into()),
                region: Some("eu-west-1".into()),
                redeploy_on_api_change: Some(true),
                live: Recorded::default(),
            },
            auto_deployed: Some(false),
            created_date: Some("2026-01-01T00:00:00Z".into()),
            deployment_status: Some("DEPLOYED".into()),
            fingerprint: Recorded {
                digest: Some("v1:ab".into()),
                parts: Some(BTreeMap::from([("route GET /".to_string(), "target=1".to_string())])),
            },
        }
    }

    /// Every declared field has a place in the typed outputs (and inputs): a filled value
    /// sets each, and decoding it back gives the same value.
    #[test]
    fn typed_values_cover_the_declaration() {
        let out = full_outputs();
        let props = out.clone().into_props();
        for f in DEPLOYMENT.fields {
            assert!(props.get(f.name).is_some(), "{} is declared but the outputs never set it", f.name);
        }
        assert_eq!(DeploymentOutputs::from_props(props.clone()), out);
        let inputs = out.inputs.clone().into_props();
        for f in DEPLOYMENT.inputs() {
            assert!(inputs.get(f.name).is_some(), "input {} has no typed field", f.name);
        }
        let encoded = props::encode(&DEPLOYMENT, &props);
        assert_eq!(props::decode(&DEPLOYMENT, Some(&encoded), Strictness::Lenient).0, props);
    }

    /// In checked inputs the fingerprint names are the live one (Check's); in outputs, the one
    /// recorded at creation: each decodes to its own place and never leaks into the other.
    #[test]
    fn live_and_recorded_fingerprints_stay_apart() {
        let live = Recorded {
            digest: Some("v1:live".into()),
            parts: Some(BTreeMap::from([("route POST /b".to_string(), "x=1".to_string())])),
        };
        let inputs = DeploymentInputs {
            live: live.clone(),
            ..full_outputs().inputs
        };
        assert_eq!(DeploymentInputs::from_props(inputs.clone().into_props()).live, live);
        let outputs = DeploymentOutputs { inputs, ..full_outputs() };
        let props = outputs.into_props();
        assert_eq!(props.str(API_FINGERPRINT), Some("v1:ab"), "the outputs hold the recorded one");
        let decoded = DeploymentOutputs::from_props(props.clone());
        assert_eq!(decoded.inputs.live, Recorded::default());
        assert_eq!(decoded.fingerprint, full_outputs().fingerprint);
    }

    /// State of 0.1.0 (no fingerprint, no redeployOnApiChange) decodes with those absent.
    #[test]
    fn old_state_decodes() {
        let mut p = full_outputs().into_props();
        for name in [API_FINGERPRINT, API_FINGERPRINT_PARTS, REDEPLOY_ON_API_CHANGE] {
            p.remove(name);
        }
        let out = DeploymentOutputs::from_props(p.clone());
        assert_eq!(out.fingerprint, Recorded::default());
        assert_eq!(out.inputs.redeploy_on_api_change, None);
        assert!(!out.inputs.redeploys());
    }
}
