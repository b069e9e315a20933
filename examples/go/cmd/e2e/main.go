// Command e2e runs the example as an Automation API inline program (no Go language host needed):
// `up`, prints the outputs as one JSON line, then `destroy` when E2E_DESTROY is set.
// It reads E2E_WORK_DIR, E2E_API_ID and, for the emulator, E2E_ENDPOINT.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/example/pulumi-aws-apigatewayv2/examples/go/program"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	stack, err := auto.UpsertStackInlineSource(ctx, "dev", "apigatewayv2-deployment-go", program.Run,
		auto.WorkDir(os.Getenv("E2E_WORK_DIR")))
	if err != nil {
		return err
	}
	if err := stack.SetConfig(ctx, "apiId", auto.ConfigValue{Value: os.Getenv("E2E_API_ID")}); err != nil {
		return err
	}
	if endpoint := os.Getenv("E2E_ENDPOINT"); endpoint != "" {
		if err := stack.SetConfig(ctx, "aws-apigatewayv2:endpoint", auto.ConfigValue{Value: endpoint}); err != nil {
			return err
		}
	}
	res, err := stack.Up(ctx)
	if err != nil {
		return err
	}
	outputs := map[string]any{}
	for k, v := range res.Outputs {
		outputs[k] = v.Value
	}
	line, err := json.Marshal(outputs)
	if err != nil {
		return err
	}
	fmt.Println("OUTPUTS " + string(line))
	if os.Getenv("E2E_DESTROY") != "" {
		if _, err := stack.Destroy(ctx); err != nil {
			return err
		}
		fmt.Println("DESTROYED")
	}
	return nil
}
