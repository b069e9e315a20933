"""A Deployment released to an existing stage, redeployed when the routes version changes."""

import pulumi
import pulumi_aws_apigatewayv2 as apigw

config = pulumi.Config()
api_id = config.require("apiId")
stage_name = config.get("stageName") or "prod"
routes_version = config.get("routesVersion") or "v1"

deployment = apigw.Deployment(
    "release",
    api_id=api_id,
    description=f"Released by Pulumi (routes version {routes_version})",
    stage_name=stage_name,
    triggers={"routes": routes_version},
)

pulumi.export("deploymentId", deployment.id)
pulumi.export("status", deployment.deployment_status)
pulumi.export("autoDeployed", deployment.auto_deployed)
