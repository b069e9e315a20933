//go:build pulumi_automation

// One Pulumi operation (preview, up or destroy) on stack `dev` of the Go project it is copied
// into, through the Automation API with the project's own `program` as an inline program: the
// CLI calls back into this process, so no pulumi-language-go is needed. Built with
// `-tags pulumi_automation`; init runs the operation and exits, so the example's main (which
// would run the program under a language host) never starts and the example stays as a user
// writes it. Prints the operation's output; exits 1 when it fails.
//
// Usage: ./driver <preview|up|destroy> <projectName>
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

func init() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: driver <preview|up|destroy> <projectName>")
		os.Exit(2)
	}
	out, err := drive(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "automation driver:", err)
		os.Exit(1)
	}
	fmt.Print(out)
	os.Exit(0)
}

func drive(op, projectName string) (string, error) {
	ctx := context.Background()
	workDir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	stack, err := auto.UpsertStackInlineSource(ctx, "dev", projectName, program, auto.WorkDir(workDir))
	if err != nil {
		return "", fmt.Errorf("stack dev: %w", err)
	}
	switch op {
	case "preview":
		r, err := stack.Preview(ctx)
		return r.StdOut, err
	case "up":
		r, err := stack.Up(ctx)
		return r.StdOut, err
	case "destroy":
		r, err := stack.Destroy(ctx)
		return r.StdOut, err
	}
	return "", fmt.Errorf("unknown operation %s: preview, up or destroy", op)
}
