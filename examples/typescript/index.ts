// A Deployment released to an existing stage: replaced when the routes version changes, or when
// the API's routes, integrations or authorizers change (redeployOnApiChange).
import * as pulumi from "@pulumi/pulumi";
import * as apigw from "@pulumi/aws-apigatewayv2";

const config = new pulumi.Config();
const apiId = config.require("apiId");
const stageName = config.get("stageName") ?? "prod";
const description = config.get("description") ?? "Released by Pulumi";
const routesVersion = config.get("routesVersion") ?? "v1";

const deployment = new apigw.Deployment("release", {
    apiId,
    description,
    stageName,
    triggers: { routes: routesVersion },
    redeployOnApiChange: true,
});

export const deploymentId = deployment.id;
export const status = deployment.deploymentStatus;
export const autoDeployed = deployment.autoDeployed;
export const apiFingerprint = deployment.apiFingerprint;
