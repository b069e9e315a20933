import * as pulumi from "@pulumi/pulumi";
import * as apigw from "@pulumi/aws-apigatewayv2";

const config = new pulumi.Config();
const apiId = config.require("apiId");
const stageName = config.get("stageName") ?? "prod";
const routesVersion = config.get("routesVersion") ?? "v1";

const deployment = new apigw.Deployment("release", {
    apiId,
    description: `Released by Pulumi (routes version ${routesVersion})`,
    stageName,
    triggers: { routes: routesVersion },
});

export const deploymentId = deployment.id;
export const status = deployment.deploymentStatus;
export const autoDeployed = deployment.autoDeployed;
