// Package program is the example's Pulumi program: a Deployment released to an existing stage,
// redeployed when the routes version changes. main.go runs it under `pulumi up`; cmd/e2e runs it
// as an Automation API inline program in the end-to-end tests.
package program

import (
	"github.com/example/pulumi-aws-apigatewayv2/sdk/go/awsapigatewayv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// Run declares the example's resources.
func Run(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	stageName := cfg.Get("stageName")
	if stageName == "" {
		stageName = "prod"
	}
	routesVersion := cfg.Get("routesVersion")
	if routesVersion == "" {
		routesVersion = "v1"
	}
	deployment, err := awsapigatewayv2.NewDeployment(ctx, "release", &awsapigatewayv2.DeploymentArgs{
		ApiId:       pulumi.String(cfg.Require("apiId")),
		Description: pulumi.String("Released by Pulumi (routes version " + routesVersion + ")"),
		StageName:   pulumi.String(stageName),
		Triggers:    pulumi.StringMap{"routes": pulumi.String(routesVersion)},
	})
	if err != nil {
		return err
	}
	ctx.Export("deploymentId", deployment.ID())
	ctx.Export("status", deployment.DeploymentStatus)
	ctx.Export("autoDeployed", deployment.AutoDeployed)
	return nil
}
