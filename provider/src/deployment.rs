//! The Deployment's lifecycle on typed properties: create, read, update, delete and diff, with the
//! fingerprint of the API's configuration recorded at creation and compared by Diff and Read. The
//! gRPC service decodes requests, calls these, and encodes what they return.

use std::collections::BTreeMap;
use tokio::time::Instant;
use tonic::Code;

use crate::cloud::{self, AwsError, Cloud, WaitError};
use crate::diff::{self, ChangeKind, DiffResult};
use crate::engine::EngineLog;
use crate::fingerprint::{self, Change};
use crate::props::{Props, Val};
use crate::resource::{
    API_FINGERPRINT, API_FINGERPRINT_PARTS, API_ID, AUTO_DEPLOYED, CREATED_DATE, DEPLOYMENT, DEPLOYMENT_STATUS, DESCRIPTION,
    REDEPLOY_ON_API_CHANGE, Role, STAGE_NAME,
};

/// Why an operation did not succeed.
#[derive(Debug, Clone, PartialEq)]
pub enum OpError {
    /// Nothing was created or changed that the engine must record.
    Failed(Code, String),
    /// The deployment exists but did not finish: the engine must record it with these outputs.
    Partial { id: String, outputs: Props, reason: String },
}

/// What one RPC works with: the AWS client, the engine's log, and the resource's URN.
pub struct Ctx<'a> {
    pub cloud: &'a Cloud,
    pub engine: &'a EngineLog,
    pub urn: &'a str,
}

fn aws_failure(operation: &str, api_id: &str, id: Option<&str>, e: &AwsError) -> OpError {
    let what = match id {
        Some(id) => format!("deployment {id} of API {api_id}"),
        None => format!("a deployment of API {api_id}"),
    };
    let code = match e.code.as_deref() {
        Some("BadRequestException") => Code::InvalidArgument,
        Some("NotFoundException") => Code::NotFound,
        Some("ConflictException") => Code::Aborted,
        Some("TooManyRequestsException") => Code::ResourceExhausted,
        Some(c) if c.contains("Signature") || c.contains("Unrecognized") || c.contains("Authentication") || c.contains("AccessDenied") => {
            Code::PermissionDenied
        }
        _ => Code::Unknown,
    };
    OpError::Failed(code, format!("{operation} for {what} failed: {e}"))
}

/// What AWS reports for a declared property of the deployment (None: AWS has no value for it).
fn reported(name: &str, api_id: &str, d: &cloud::Deployment) -> Option<Val> {
    match name {
        API_ID => Some(Val::Str(api_id.to_string())),
        DESCRIPTION => d.description.clone().map(Val::Str),
        AUTO_DEPLOYED => Some(Val::Bool(d.auto_deployed)),
        CREATED_DATE => d.created_date.clone().map(Val::Str),
        DEPLOYMENT_STATUS => Some(Val::Str(d.status.clone())),
        _ => None,
    }
}

/// Outputs: the given properties, with everything AWS reports laid over them.
fn outputs(base: &Props, api_id: &str, d: &cloud::Deployment) -> Props {
    let mut out = base.clone();
    // Optional outputs (the fingerprint) are recorded by the provider, not reported by AWS.
    for f in DEPLOYMENT
        .fields
        .iter()
        .filter(|f| (f.role == Role::Output || f.read_back) && !f.optional)
    {
        out.set_opt(f.name, reported(f.name, api_id, d));
    }
    out
}

fn redeploys(props: &Props) -> bool {
    props.known(REDEPLOY_ON_API_CHANGE) == Some(&Val::Bool(true))
}

fn recorded_parts(outputs: &Props) -> Option<(&str, &BTreeMap<String, String>)> {
    match (outputs.str(API_FINGERPRINT), outputs.known(API_FINGERPRINT_PARTS)) {
        (Some(digest), Some(Val::Map(parts))) => Some((digest, parts)),
        _ => None,
    }
}

/// Resolves the deployment's API and id from the resource id (`apiId/deploymentId` for imports,
/// or the bare deployment id with apiId from the stored properties).
pub fn split_id(id: &str, sources: &[&Props]) -> Result<(String, String), OpError> {
    let malformed = || {
        OpError::Failed(
            Code::InvalidArgument,
            format!(
                "deployment id {id:?} is malformed: expected <apiId>/<deploymentId>, for example `pulumi import aws-apigatewayv2:index:Deployment name a1b2c3d4e5/abc123`"
            ),
        )
    };
    if let Some((api, dep)) = id.split_once('/') {
        if api.is_empty() || dep.is_empty() || dep.contains('/') {
            return Err(malformed());
        }
        return Ok((api.to_string(), dep.to_string()));
    }
    if id.is_empty() {
        return Err(malformed());
    }
    let api = sources.iter().find_map(|p| p.str(API_ID)).ok_or_else(malformed)?;
    Ok((api.to_string(), id.to_string()))
}

/// The hint added to AWS's refusal of a deployment id on a stage that deploys itself.
fn auto_deploy_hint(stage: &str) -> String {
    format!(
        "stage '{stage}' has autoDeploy enabled, so API Gateway deploys it by itself and refuses a deployment id on it. \
         Either drop stageName from this Deployment, or turn autoDeploy off on stage '{stage}'"
    )
}

/// The part of Diff that needs no AWS call: the declared rules on the inputs, FAILED deployments
/// replaced, and whether the API's live configuration must be compared too (the option is on,
/// the fingerprint is not ignored and no replacement is planned already).
pub fn planned_diff(old_outputs: &Props, old_inputs: &Props, news: &Props, ignore_changes: &[String]) -> (DiffResult, bool) {
    let mut result = diff::diff(&DEPLOYMENT, old_inputs, news, ignore_changes);
    // A deployment AWS reports FAILED (recorded with init errors) cannot be repaired in place:
    // replacing it is the only way the next `pulumi up` can finish it.
    if old_outputs.str(DEPLOYMENT_STATUS) == Some("FAILED") {
        result.changes.push((DEPLOYMENT_STATUS, ChangeKind::UpdateReplace));
    }
    let ignored = ignore_changes.iter().any(|p| p == API_FINGERPRINT || p == API_FINGERPRINT_PARTS);
    let follow = redeploys(news) && !ignored && result.replaces().is_empty();
    (result, follow)
}

impl Ctx<'_> {
    /// Waits for DEPLOYED, telling the user what it waits for.
    async fn wait(
        &self,
        api_id: &str,
        current: cloud::Deployment,
        deadline: Instant,
    ) -> Result<cloud::Deployment, (cloud::Deployment, WaitError)> {
        if current.status != "DEPLOYED" {
            let msg = format!(
                "waiting for deployment {} of API {api_id} to be DEPLOYED (now {})",
                current.id, current.status
            );
            self.engine.info(self.urn, &msg, true).await;
        }
        self.cloud.wait_deployed(api_id, current, deadline).await
    }

    /// Creates the deployment, records the fingerprint of the configuration it snapshots, and
    /// waits for DEPLOYED. Returns the id and the outputs.
    pub async fn create(&self, inputs: &Props, deadline: Instant) -> Result<(String, Props), OpError> {
        let api_id = inputs
            .str(API_ID)
            .ok_or_else(|| {
                OpError::Failed(
                    Code::InvalidArgument,
                    format!("Create of {}: apiId is missing or unknown", self.urn),
                )
            })?
            .to_string();
        let stage = inputs.str(STAGE_NAME);
        if let Some(stage) = stage
            && let Some(true) = self
                .cloud
                .stage_auto_deploy(&api_id, stage, deadline)
                .await
                .map_err(|e| aws_failure("GetStage", &api_id, None, &e))?
        {
            return Err(OpError::Failed(
                Code::FailedPrecondition,
                format!(
                    "Create of a deployment of API {api_id} refused before anything was created: {}.",
                    auto_deploy_hint(stage)
                ),
            ));
        }
        // Read before the create: a change racing it then shows up as a difference later (a
        // redeploy too many), never as a difference missed.
        let mut recorded = Props::default();
        match self.cloud.api_config(&api_id, deadline).await {
            Ok(config) => {
                let fp = config.fingerprint();
                recorded.set(API_FINGERPRINT, Val::Str(fp.digest));
                recorded.set(API_FINGERPRINT_PARTS, Val::Map(fp.parts));
            }
            // Without the option a policy that only lacks the Get* permissions costs the
            // fingerprint, not the deployment; any other failure (credentials, a missing API)
            // would fail the create as well, so it fails here, before anything exists.
            Err(e) if !redeploys(inputs) && e.is("AccessDeniedException") => {
                let msg = format!(
                    "could not read the configuration of API {api_id} ({e}); this deployment records no fingerprint, so refresh cannot tell when the API moves on"
                );
                self.engine.warn(self.urn, &msg).await;
            }
            Err(e) => {
                return Err(aws_failure(
                    "Reading the API's configuration (for the deployment's fingerprint) before creating",
                    &api_id,
                    None,
                    &e,
                ));
            }
        }
        let created = self
            .cloud
            .create(&api_id, inputs.str(DESCRIPTION), stage, deadline)
            .await
            .map_err(|e| self.explain_create_failure(&api_id, stage, e))?;
        let id = created.id.clone();
        tracing::info!(api_id, deployment_id = id, "created deployment");
        let mut base = inputs.clone();
        for name in [API_FINGERPRINT, API_FINGERPRINT_PARTS] {
            base.copy_from(name, &recorded);
        }
        match self.wait(&api_id, created, deadline).await {
            Ok(d) => Ok((id, outputs(&base, &api_id, &d))),
            Err((d, e)) => Err(OpError::Partial {
                outputs: outputs(&base, &api_id, &d),
                reason: format!("deployment {id} of API {api_id} was created, but {e}"),
                id,
            }),
        }
    }

    /// AWS's refusal, with how to fix the program when the cause is a usual mistake.
    fn explain_create_failure(&self, api_id: &str, stage: Option<&str>, e: AwsError) -> OpError {
        let OpError::Failed(code, mut msg) = aws_failure("CreateDeployment", api_id, None, &e) else {
            unreachable!("aws_failure only builds Failed")
        };
        if e.is("BadRequestException") && e.message.contains("no routes exist") {
            msg.push_str(
                ". The deployment was probably created before the API's routes: make it depend on them \
                 (`dependsOn` the route resources, or put a route output such as its id into `triggers`)",
            );
        } else if e.is("BadRequestException")
            && e.message.contains("AutoDeploy")
            && let Some(stage) = stage
        {
            msg.push_str(&format!(". {}", auto_deploy_hint(stage)));
        }
        OpError::Failed(code, msg)
    }

    /// Refresh and import. `None` when the deployment is gone. The recorded fingerprint is kept as
    /// it was (never replaced by the live one); when the API moved on since, the user is warned.
    pub async fn read(
        &self,
        id: &str,
        old_outputs: &Props,
        old_inputs: &Props,
        deadline: Instant,
    ) -> Result<Option<(String, Props, Props)>, OpError> {
        let (api_id, id) = split_id(id, &[old_outputs, old_inputs])?;
        let Some(d) = self
            .cloud
            .get(&api_id, &id, deadline)
            .await
            .map_err(|e| aws_failure("GetDeployment", &api_id, Some(&id), &e))?
        else {
            return Ok(None);
        };
        // Inputs AWS reports come from AWS; the others (triggers, stageName) stay as they were.
        let mut inputs = old_inputs.clone();
        for f in DEPLOYMENT.inputs().filter(|f| f.read_back) {
            inputs.set_opt(f.name, reported(f.name, &api_id, &d));
        }
        let mut out = old_outputs.clone();
        for f in DEPLOYMENT.inputs() {
            out.copy_from(f.name, &inputs);
        }
        let out = outputs(&out, &api_id, &d);
        if let Some((digest, parts)) = recorded_parts(&out) {
            self.warn_if_stale(&api_id, &id, digest, parts, redeploys(&inputs), deadline).await;
        }
        Ok(Some((id, out, inputs)))
    }

    async fn warn_if_stale(
        &self,
        api_id: &str,
        id: &str,
        digest: &str,
        parts: &BTreeMap<String, String>,
        redeploys: bool,
        deadline: Instant,
    ) {
        let live = match self.cloud.api_config(api_id, deadline).await {
            Ok(c) => c.fingerprint(),
            Err(e) => {
                let msg = format!("could not check whether API {api_id} changed since deployment {id} was taken: {e}");
                self.engine.warn(self.urn, &msg).await;
                return;
            }
        };
        if live.digest == digest {
            return;
        }
        let changes = fingerprint::changes(parts, &live.parts);
        let stages = self.cloud.stages_pointing_at(api_id, id, deadline).await.unwrap_or_default();
        let who = match stages.as_slice() {
            [] => format!("deployment {id} of API {api_id} (no stage serves it)"),
            [one] => format!("stage {one} serves deployment {id} of API {api_id}"),
            many => format!("stages {} serve deployment {id} of API {api_id}", many.join(", ")),
        };
        let advice = if redeploys {
            "the next `pulumi up` replaces it (redeployOnApiChange is set)"
        } else {
            "set redeployOnApiChange or change triggers"
        };
        let msg = format!("{who}, taken before {}; {advice}", stale_summary(&changes));
        self.engine.warn(self.urn, &msg).await;
    }

    pub async fn update(&self, id: &str, olds: &Props, news: &Props, deadline: Instant) -> Result<Props, OpError> {
        let mut merged = olds.clone();
        for f in DEPLOYMENT.inputs() {
            merged.copy_from(f.name, news);
        }
        let (api_id, id) = split_id(id, &[olds, news])?;
        let updated = self
            .cloud
            .update(&api_id, &id, news.str(DESCRIPTION).unwrap_or(""), deadline)
            .await
            .map_err(|e| aws_failure("UpdateDeployment", &api_id, Some(&id), &e))?;
        match self.wait(&api_id, updated, deadline).await {
            Ok(d) => Ok(outputs(&merged, &api_id, &d)),
            Err((d, e)) => Err(OpError::Partial {
                outputs: outputs(&merged, &api_id, &d),
                reason: format!("deployment {id} of API {api_id} was updated, but {e}"),
                id,
            }),
        }
    }

    pub async fn delete(&self, id: &str, props: &Props, old_inputs: &Props, deadline: Instant) -> Result<(), OpError> {
        let (api_id, id) = split_id(id, &[props, old_inputs])?;
        let e = match self.cloud.delete(&api_id, &id, deadline).await {
            Ok(()) => return Ok(()),
            Err(e) if e.is("BadRequestException") => e,
            Err(e) => return Err(aws_failure("DeleteDeployment", &api_id, Some(&id), &e)),
        };
        let stages = self.cloud.stages_pointing_at(&api_id, &id, deadline).await.unwrap_or_default();
        if stages.is_empty() {
            return Err(aws_failure("DeleteDeployment", &api_id, Some(&id), &e));
        }
        let names = stages.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
        let head = format!(
            "DeleteDeployment for deployment {id} of API {api_id} was refused because stage {names} still points at it (AWS: {e})."
        );
        let own_stage = props.str(STAGE_NAME).or(old_inputs.str(STAGE_NAME));
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
        Err(OpError::Failed(Code::FailedPrecondition, head + &advice))
    }

    /// Input changes from the declaration, a FAILED deployment replaced, and with
    /// redeployOnApiChange a replacement when the API's configuration moved on since creation.
    pub async fn diff(
        &self,
        id: &str,
        old_outputs: &Props,
        old_inputs: &Props,
        news: &Props,
        ignore_changes: &[String],
        deadline: Instant,
    ) -> Result<DiffResult, OpError> {
        let (mut result, follow) = planned_diff(old_outputs, old_inputs, news, ignore_changes);
        if !follow {
            return Ok(result);
        }
        let Some((digest, parts)) = recorded_parts(old_outputs) else {
            let msg = format!(
                "redeployOnApiChange: deployment {id} has no recorded API fingerprint (it was imported, or created before version 0.2.0), \
                 so whether the API changed since it was taken is unknown and it is not replaced. To start following the API, \
                 replace it once: `pulumi up --replace '{}'` (or change triggers)",
                self.urn
            );
            self.engine.warn(self.urn, &msg).await;
            return Ok(result);
        };
        let (api_id, id) = split_id(id, &[old_outputs, old_inputs])?;
        let live = self
            .cloud
            .api_config(&api_id, deadline)
            .await
            .map_err(|e| {
                aws_failure(
                    "Diff (redeployOnApiChange) could not read the API's configuration; without it the provider cannot tell whether the deployment is current. Reading the routes, integrations and authorizers",
                    &api_id,
                    Some(&id),
                    &e,
                )
            })?
            .fingerprint();
        if live.digest == digest {
            return Ok(result);
        }
        let changes = fingerprint::changes(parts, &live.parts);
        let msg = format!(
            "deployment {id} of API {api_id} was taken before {}; replacing it (redeployOnApiChange)",
            stale_summary(&changes)
        );
        self.engine.warn(self.urn, &msg).await;
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

    /// Import ids split into API and deployment; malformed ones name the expected form.
    #[test]
    fn ids() {
        assert_eq!(split_id("api1/dep1", &[]).unwrap(), ("api1".into(), "dep1".into()));
        for bad in ["api1/", "/dep1", "a/b/c", "", "dep1"] {
            let Err(OpError::Failed(_, msg)) = split_id(bad, &[]) else {
                panic!("{bad} accepted")
            };
            assert!(msg.contains("<apiId>/<deploymentId>"), "{bad}: {msg}");
        }
        let mut p = Props::default();
        p.set(API_ID, Val::Str("api9".into()));
        assert_eq!(split_id("dep1", &[&p]).unwrap(), ("api9".into(), "dep1".into()));
    }
}
