"""A Deployment released to an existing stage: replaced when the routes version changes, or when
the API's routes, integrations or authorizers change (redeploy_on_api_change)."""

import pulumi
import pulumi_aws_apigatewayv2 as apigw

config = pulumi.Config()
api_id = config.require("apiId")
stage_name = config.get("stageName") or "prod"
description = config.get("description") or "Released by Pulumi"
routes_version = config.get("routesVersion") or "v1"

deployment = apigw.Deployment(
    "release",
    api_id=api_id,
    description=description,
    stage_name=stage_name,
    triggers={"routes": routes_version},
    redeploy_on_api_change=True,
)

pulumi.export("deploymentId", deployment.id)
pulumi.export("status", deployment.deployment_status)
pulumi.export("autoDeployed", deployment.auto_deployed)
pulumi.export("apiFingerprint", deployment.api_fingerprint)
