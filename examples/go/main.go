// The example under `pulumi up`: see program/program.go.
package main

import (
	"github.com/example/pulumi-aws-apigatewayv2/examples/go/program"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(program.Run)
}
