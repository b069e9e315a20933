// A Deployment released to an existing stage: replaced when the routes version changes, or when
// the API's routes, integrations or authorizers change (redeployOnApiChange).
package main

import (
	"github.com/example/pulumi-aws-apigatewayv2/sdk/go/awsapigatewayv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(program)
}

func program(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	stageName := cfg.Get("stageName")
	if stageName == "" {
		stageName = "prod"
	}
	description := cfg.Get("description")
	if description == "" {
		description = "Released by Pulumi"
	}
	routesVersion := cfg.Get("routesVersion")
	if routesVersion == "" {
		routesVersion = "v1"
	}
	deployment, err := awsapigatewayv2.NewDeployment(ctx, "release", &awsapigatewayv2.DeploymentArgs{
		ApiId:               pulumi.String(cfg.Require("apiId")),
		Description:         pulumi.String(description),
		StageName:           pulumi.String(stageName),
		Triggers:            pulumi.StringMap{"routes": pulumi.String(routesVersion)},
		RedeployOnApiChange: pulumi.Bool(true),
	})
	if err != nil {
		return err
	}
	ctx.Export("deploymentId", deployment.ID())
	ctx.Export("status", deployment.DeploymentStatus)
	ctx.Export("autoDeployed", deployment.AutoDeployed)
	ctx.Export("apiFingerprint", deployment.ApiFingerprint)
	return nil
}
