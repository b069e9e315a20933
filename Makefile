# pulumi-aws-apigatewayv2: build, test and demo. `make test` installs everything it needs.

SHELL := /bin/bash
.DEFAULT_GOAL := build

PULUMI_VERSION ?= v3.274.1
CACHE ?= $(HOME)/.cache/pulumi-aws-apigatewayv2
TOOLS_BIN := $(CACHE)/pulumi-$(PULUMI_VERSION)/bin
VENV := $(CACHE)/venv
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
DIST := target/dist
ARCHIVE := $(DIST)/pulumi-resource-aws-apigatewayv2-v$(VERSION)-linux-amd64.tar.gz
CODEGEN := $(CACHE)/bin/sdk-codegen
SDK_LANGUAGES := nodejs,python,go

# Never let the AWS SDK probe EC2 instance metadata from this machine.
export AWS_EC2_METADATA_DISABLED := true
export PULUMI_TOOLS_BIN := $(TOOLS_BIN)
export PULUMI_SKIP_UPDATE_CHECK := true

.PHONY: build release tools venv schema check-schema codegen sdks check-sdks lint test test-rust test-conformance test-e2e dist demo demo-destroy emulator

build:
	cargo build --workspace

release:
	cargo build --release -p pulumi-resource-aws-apigatewayv2 -p apigatewayv2-emulator

## The pinned Pulumi CLI and YAML language host, built from Go modules into $(CACHE).
tools:
	@PULUMI_VERSION=$(PULUMI_VERSION) scripts/build-pulumi.sh >/dev/null
	@$(TOOLS_BIN)/pulumi version

## Python venv for the boto3 conformance suite.
venv: $(VENV)/.installed
$(VENV)/.installed: tests/conformance/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/conformance/requirements.txt
	touch $@

schema:
	cargo run --quiet -p sdk-gen -- schema schema.json

check-schema: codegen
	cargo run --quiet -p sdk-gen -- check schema.json
	$(CODEGEN) -schema schema.json -validate-only

## Pulumi's own code generators (pkg/v3/codegen), linked into a small Go program.
codegen:
	@mkdir -p $(dir $(CODEGEN))
	cd sdk-gen/codegen && go build -o $(CODEGEN) .

## TypeScript, Python and Go SDKs into sdk/ (committed). .NET and Java generators are not available here.
sdks: schema codegen
	$(CODEGEN) -schema schema.json -out sdk -languages $(SDK_LANGUAGES)
	cd sdk/go && go mod tidy

check-sdks: codegen
	rm -rf target/sdk-check
	$(CODEGEN) -schema schema.json -out target/sdk-check -languages $(SDK_LANGUAGES) >/dev/null
	diff -r -x go.sum -x go.mod sdk target/sdk-check || (echo "sdk/ is stale: run \`make sdks\` and commit it" && exit 1)

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

test-rust: build
	cargo test --workspace --exclude integration-tests
	cargo test -p integration-tests --test emulator_sdk --test provider_rpc

test-conformance: build venv
	cd tests/conformance && $(VENV)/bin/python -m pytest -q

test-e2e: build tools
	cargo test -p integration-tests --test e2e_pulumi -- --test-threads 2

## Everything CI runs.
test: tools venv build check-schema check-sdks lint test-rust test-conformance test-e2e
	@echo "make test: all suites passed"

## Release archive named as the engine expects, installable with `pulumi plugin install --file`.
dist: release
	mkdir -p $(DIST)/stage
	touch README.md
	cp target/release/pulumi-resource-aws-apigatewayv2 README.md LICENSE $(DIST)/stage/
	tar -czf $(ARCHIVE) -C $(DIST)/stage .
	rm -rf $(DIST)/stage
	@echo "$(ARCHIVE)"

## Run the emulator in the foreground (Ctrl-C stops it).
emulator: release
	target/release/apigatewayv2-emulator --port 4510 --state-file .work/emulator-state.json

demo: tools dist venv
	@scripts/demo.sh up "$(ARCHIVE)" "$(VERSION)"

demo-destroy: tools
	@scripts/demo.sh destroy "$(ARCHIVE)" "$(VERSION)"
