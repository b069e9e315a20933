import * as aws from "@pulumi/aws";
import * as apigw from "@pulumi/aws-apigatewayv2";

const api = new aws.apigatewayv2.Api("api", { protocolType: "HTTP" });

const routes = [
    new aws.apigatewayv2.Route("hello", { apiId: api.id, routeKey: "GET /hello" }),
];

// Redeploy whenever a route changes: the triggers carry what the deployment depends on.
const deployment = new apigw.Deployment("release", {
    apiId: api.id,
    description: "Released by Pulumi",
    triggers: { routes: routes[0].routeKey },
}, { dependsOn: routes });

// The stage points at the deployment, so Pulumi repoints it before an old deployment is deleted.
const stage = new aws.apigatewayv2.Stage("prod", {
    apiId: api.id,
    name: "prod",
    deploymentId: deployment.id,
});

export const url = stage.invokeUrl;
export const deploymentId = deployment.id;
