// Command codegen checks schema.json against Pulumi's metaschema and writes SDKs from it with
// Pulumi's own code generators (github.com/pulumi/pulumi/pkg/v3/codegen): the same generators the
// language hosts run for `pulumi package gen-sdk`, called directly because the language hosts
// themselves cannot be built on machines that only reach the Go module proxy.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
)

const tool = "pulumi-aws-apigatewayv2-sdk-gen"

// pulumiSDKVersion is the Go SDK the generated Go module requires: the toolchain's pinned version.
const pulumiSDKVersion = "v3.274.1"

// noLoader refuses every package: the schema refers to no other package, so binding and code
// generation never need one, and nothing may start plugins or reach a registry.
type noLoader struct{}

func (noLoader) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("schema refers to package %q; only self-contained schemas are supported", pkg)
}

func (noLoader) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, fmt.Errorf("schema refers to package %q; only self-contained schemas are supported", d.Name)
}

func (noLoader) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("schema refers to package %q; only self-contained schemas are supported", pkg)
}

func (noLoader) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, fmt.Errorf("schema refers to package %q; only self-contained schemas are supported", d.Name)
}

func main() {
	schemaPath := flag.String("schema", "schema.json", "the package schema")
	out := flag.String("out", "sdk", "directory receiving one sub-directory per language")
	languages := flag.String("languages", "nodejs,python,go", "comma-separated languages to generate")
	validateOnly := flag.Bool("validate-only", false, "only validate the schema")
	protoOut := flag.String("proto-descriptors", "", "write the protocol's FileDescriptorSet to this file and do nothing else")
	flag.Parse()
	if *protoOut != "" {
		if err := writeProtoDescriptors(*protoOut); err != nil {
			fmt.Fprintf(os.Stderr, "codegen: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*schemaPath, *out, strings.Split(*languages, ","), *validateOnly); err != nil {
		fmt.Fprintf(os.Stderr, "codegen: %v\n", err)
		os.Exit(1)
	}
}

func run(schemaPath, out string, languages []string, validateOnly bool) error {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	// The raw file, not a re-marshalled PackageSpec, so fields the spec type would drop are checked too.
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("%s is not JSON: %w", schemaPath, err)
	}
	if err := schema.MetaSchema.Validate(doc); err != nil {
		return fmt.Errorf("%s does not satisfy Pulumi's metaschema: %w", schemaPath, err)
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return err
	}
	pkg, diags, err := schema.BindSpec(spec, noLoader{}, schema.ValidationOptions{})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return fmt.Errorf("binding %s: %v", schemaPath, diags)
	}
	fmt.Printf("%s: valid against Pulumi's metaschema and binds (%d resources)\n", schemaPath, len(pkg.Resources))
	if validateOnly {
		return nil
	}
	for _, lang := range languages {
		files, err := generate(lang, pkg)
		if err != nil {
			return fmt.Errorf("%s: %w", lang, err)
		}
		if lang == "go" {
			files["go.mod"] = goMod(pkg)
		}
		if err := write(filepath.Join(out, lang), files); err != nil {
			return err
		}
		fmt.Printf("wrote %d files to %s\n", len(files), filepath.Join(out, lang))
	}
	return nil
}

func generate(lang string, pkg *schema.Package) (map[string][]byte, error) {
	switch lang {
	case "nodejs":
		return nodejs.GeneratePackage(tool, pkg, nil, nil, false, noLoader{})
	case "python":
		return python.GeneratePackage(tool, pkg, nil, noLoader{})
	case "go":
		return gogen.GeneratePackage(tool, pkg, nil)
	default:
		return nil, fmt.Errorf("no code generator for %q here (dotnet and java generators live outside pulumi/pkg)", lang)
	}
}

// goMod makes the Go SDK a module of its own, rooted above the package directory, requiring the
// Pulumi Go SDK at the version the toolchain pins.
func goMod(pkg *schema.Package) []byte {
	info, _ := pkg.Language["go"].(gogen.GoPackageInfo)
	module := filepath.Dir(info.ImportBasePath)
	return []byte(fmt.Sprintf("module %s\n\ngo 1.24\n\nrequire github.com/pulumi/pulumi/sdk/v3 %s\n", module, pulumiSDKVersion))
}

// write replaces dir with exactly the generated files.
func write(dir string, files map[string][]byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}
