// Command replacement drives one Deployment through the Automation API with an inline program
// (no language host needed) to show how the engine's `replacementTrigger` resource option
// replaces it: a new deployment is created and takes the stage over with stageName, then the old
// one is deleted. It prints what it saw as JSON for the Rust test (e2e_pulumi) to judge.
//
// Input (environment): E2E_API_ID, E2E_ENDPOINT (empty against real AWS), E2E_REGION,
// E2E_WORK_DIR; the Pulumi CLI, backend and passphrase come from the usual PULUMI_* variables.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/example/pulumi-aws-apigatewayv2/sdk/go/awsapigatewayv2"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// program is one Deployment released to stage prod, replaced whenever trigger changes.
func program(apiID, trigger string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		d, err := awsapigatewayv2.NewDeployment(ctx, "release", &awsapigatewayv2.DeploymentArgs{
			ApiId:       pulumi.String(apiID),
			Description: pulumi.String("replacementTrigger"),
			StageName:   pulumi.String("prod"),
		}, pulumi.ReplacementTrigger(pulumi.String(trigger)))
		if err != nil {
			return err
		}
		ctx.Export("id", d.ID())
		return nil
	}
}

type report struct {
	First           string         `json:"first"`
	Second          string         `json:"second"`
	UnchangedPlan   map[string]int `json:"unchangedPlan"`
	ReplacePlan     map[string]int `json:"replacePlan"`
	ReplaceUpStdout string         `json:"replaceUpStdout"`
}

func run() error {
	ctx := context.Background()
	apiID := os.Getenv("E2E_API_ID")
	stack, err := auto.UpsertStackInlineSource(ctx, "dev", "replacement", program(apiID, "a"), auto.WorkDir(os.Getenv("E2E_WORK_DIR")))
	if err != nil {
		return fmt.Errorf("stack: %w", err)
	}
	config := auto.ConfigMap{"aws-apigatewayv2:region": auto.ConfigValue{Value: os.Getenv("E2E_REGION")}}
	if endpoint := os.Getenv("E2E_ENDPOINT"); endpoint != "" {
		config["aws-apigatewayv2:endpoint"] = auto.ConfigValue{Value: endpoint}
	}
	if err := stack.SetAllConfig(ctx, config); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	var r report
	up, err := stack.Up(ctx)
	if err != nil {
		return fmt.Errorf("first up: %w", err)
	}
	r.First = fmt.Sprint(up.Outputs["id"].Value)

	same, err := stack.Preview(ctx)
	if err != nil {
		return fmt.Errorf("preview with the same trigger: %w", err)
	}
	r.UnchangedPlan = opCounts(same.ChangeSummary)

	stack.Workspace().SetProgram(program(apiID, "b"))
	plan, err := stack.Preview(ctx)
	if err != nil {
		return fmt.Errorf("preview with a new trigger: %w", err)
	}
	r.ReplacePlan = opCounts(plan.ChangeSummary)
	up, err = stack.Up(ctx)
	if err != nil {
		return fmt.Errorf("up with a new trigger: %w", err)
	}
	r.Second = fmt.Sprint(up.Outputs["id"].Value)
	r.ReplaceUpStdout = up.StdOut
	return json.NewEncoder(os.Stdout).Encode(r)
}

func opCounts[K ~string](summary map[K]int) map[string]int {
	out := map[string]int{}
	for k, v := range summary {
		out[string(k)] = v
	}
	return out
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "replacement:", err)
		os.Exit(1)
	}
}
