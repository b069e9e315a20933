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
SDK_VENV := $(CACHE)/sdk-venv
SDK_BUILD := target/sdk-build
NPM_INSTALL := npm install --no-audit --no-fund --loglevel=error --install-links
SDK_LANGUAGES := nodejs,python,go

# Never let the AWS SDK probe EC2 instance metadata from this machine.
export AWS_EC2_METADATA_DISABLED := true
export PULUMI_TOOLS_BIN := $(TOOLS_BIN)
export PULUMI_SKIP_UPDATE_CHECK := true
export SDK_PYTHON := $(SDK_VENV)/bin/python
# The venv's Python runs moto's DynamoDB server for the quotaTable tests.
export TEST_PYTHON := $(VENV)/bin/python

## The previous releases' plugin archives, built from their commits, for the upgrade tests
## (version=commit; the tests read PREV_RELEASE_ARCHIVES as version=archive pairs).
PREV_RELEASES := 0.1.0=73f3aced9b85b7c85cb3cb3aecefe14f41d3013a 0.2.0=dbdbb03d9d21010682f8191f69e0c2cf56fedb26
PREV_DIR := $(CURDIR)/target/prev-release
prev_version = $(firstword $(subst =, ,$(1)))
prev_archive = $(PREV_DIR)/$(1)/pulumi-resource-aws-apigatewayv2-v$(1)-linux-amd64.tar.gz
export PREV_RELEASE_ARCHIVES := $(foreach r,$(PREV_RELEASES),$(call prev_version,$(r))=$(call prev_archive,$(call prev_version,$(r))))

## The RPC test that `test-rust` runs on its own (see there).
ALONE_RPC_TEST := faults::thirty_creates_meet_no_throttling

.PHONY: proto prev-release bench link-order fuzz build release tools venv schema check-schema codegen sdks check-sdks test-sdks test-sdk-nodejs test-sdk-python test-sdk-go lint test test-rust test-conformance test-e2e archive dist check-dist demo demo-destroy emulator

## Every debug-profile cargo command selects the whole workspace with its test targets, so cargo
## resolves one feature set and builds each dependency once: `-p` or `--exclude` would resolve
## another and build the AWS SDK again (three copies made a clean `make test` outgrow the disk).
CARGO_TEST := cargo test --workspace
## The test files of the crates other than integration-tests (whose suites run one by one below).
UNIT_TESTS := $(foreach t,$(wildcard provider/tests/*.rs sdk-gen/tests/*.rs tests/emulator/tests/*.rs),--test $(basename $(notdir $(t))))

build:
	cargo build --workspace --lib --bins --tests

## The plugin is built alone, as scripts/dist.sh and make bench build it: built with another
## package, cargo unifies their features and the plugin's code differs from the link order's.
release:
	cargo build --release -p pulumi-resource-aws-apigatewayv2
	cargo build --release -p apigatewayv2-emulator

## The pinned Pulumi CLI and YAML language host, built from Go modules into $(CACHE).
tools:
	@PULUMI_VERSION=$(PULUMI_VERSION) scripts/build-pulumi.sh >/dev/null
	@$(TOOLS_BIN)/pulumi version

## Python venv for the boto3 conformance suite and moto's server (the quotaTable tests).
venv: $(VENV)/.installed
$(VENV)/.installed: tests/conformance/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/conformance/requirements.txt
	touch $@

schema: build
	target/debug/sdk-gen schema

check-schema: codegen build
	target/debug/sdk-gen check
	$(CODEGEN) -schema schema.json -validate-only
	$(CODEGEN) -proto-descriptors target/proto-check.binpb
	cmp -s target/proto-check.binpb $(PROTO_DESCRIPTORS) || (echo "$(PROTO_DESCRIPTORS) is not the protocol of Pulumi $(PULUMI_VERSION): run \`make proto\` and commit it" && exit 1)

## The protocol's file descriptors, from the pinned Pulumi's Go module (sdk/v3 proto/go); the Rust
## bindings are generated from them at build time (provider/build.rs). When PULUMI_VERSION moves,
## bump it in sdk-gen/codegen/go.mod too, run `make proto`, rename the file in provider/build.rs.
PROTO_DESCRIPTORS := provider/proto/pulumi-$(PULUMI_VERSION).binpb
proto: codegen
	$(CODEGEN) -proto-descriptors $(PROTO_DESCRIPTORS)

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
	diff -r -x go.sum -x go.mod -x build -x '*.egg-info' sdk target/sdk-check || (echo "sdk/ is stale: run \`make sdks\` and commit it" && exit 1)

## The TypeScript SDK installed and built with tsc; the TypeScript examples compiled against it
## (one of them against the @pulumi/aws npm package too).
test-sdk-nodejs:
	rm -rf $(SDK_BUILD)/nodejs && mkdir -p $(SDK_BUILD) && cp -r sdk/nodejs $(SDK_BUILD)/nodejs
	cd $(SDK_BUILD)/nodejs && $(NPM_INSTALL) && npx tsc && cp package.json README.md bin/
	@# npm keeps an installed `file:` package whose spec is unchanged, however stale: drop it first.
	rm -rf examples/typescript/node_modules/@pulumi/aws-apigatewayv2 examples/typescript-aws/node_modules/@pulumi/aws-apigatewayv2
	cd examples/typescript && $(NPM_INSTALL) && npx tsc -p .
	cd examples/typescript-aws && $(NPM_INSTALL) && npx tsc -p .

$(SDK_VENV)/.installed: examples/python/requirements-dev.txt
	python3 -m venv $(SDK_VENV)
	$(SDK_VENV)/bin/pip install --quiet --disable-pip-version-check -r examples/python/requirements-dev.txt
	touch $@

## The Python SDK installed into a venv; the example type-checked with mypy --strict.
test-sdk-python: $(SDK_VENV)/.installed
	$(SDK_VENV)/bin/pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./sdk/python
	cd examples/python && $(SDK_VENV)/bin/mypy --strict __main__.py

## The Go SDK and the Go example built and vetted (the Pulumi Go SDK from the module proxy).
test-sdk-go:
	cd sdk/go && go build ./... && go vet ./...
	cd examples/go && go build -o /dev/null ./... && go vet ./...

test-sdks: test-sdk-nodejs test-sdk-python test-sdk-go

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

test-rust: build venv
	$(CARGO_TEST) --lib --bins $(UNIT_TESTS)
	$(CARGO_TEST) --test emulator_sdk --test provider_rpc -- --skip $(ALONE_RPC_TEST)
	@# It measures the pacing against AWS's quota to the millisecond: run alone, not beside 25
	@# other tests' emulators and providers on two cores.
	$(CARGO_TEST) --test provider_rpc -- --exact $(ALONE_RPC_TEST)
	$(CARGO_TEST) --test shared_quota -- --test-threads 1

test-conformance: build venv
	cd tests/conformance && $(VENV)/bin/python -m pytest -q

prev-release:
	@for r in $(PREV_RELEASES); do scripts/prev-release.sh "$${r%%=*}" "$${r#*=}" "$(PREV_DIR)"; done
	@# Only the archives are kept: the releases' build tree is gigabytes the tests never read.
	rm -rf $(PREV_DIR)/target $(PREV_DIR)/*/src

test-e2e: build tools test-sdks prev-release
	$(CARGO_TEST) --test e2e_pulumi --test e2e_projects --test e2e_config -- --test-threads 2

## Everything CI runs.
test: tools venv build check-schema check-sdks lint test-rust test-conformance test-e2e
	@scripts/check-no-leftovers.sh "$(CURDIR)/target/(debug|release|e2e-artifacts|prev-release)/" "$(TOOLS_BIN)/"
	@echo "make test: all suites passed, no process left behind"

## Fuzz Check/Diff with libFuzzer for FUZZ_SECONDS (default 60); needs the nightly toolchain.
FUZZ_SECONDS ?= 60
fuzz:
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
	cd fuzz && cargo +nightly fuzz run check_diff -- -max_total_time=$(FUZZ_SECONDS) -max_len=65536

## Benchmarks (not part of make test): prints a table, writes bench/RESULTS.md and the figures the
## README quotes (its `<!-- bench: KEY -->` spans).
## The last previous release is built from its commit and measured in the same run: its figure
## stands beside each new one (scripts/prev-release.sh bench; a shallow clone compares with the
## committed results instead).
PREV_BENCH := $(lastword $(PREV_RELEASES))
bench: tools venv
	scripts/prev-release.sh "$(call prev_version,$(PREV_BENCH))" "$(lastword $(subst =, ,$(PREV_BENCH)))" "$(PREV_DIR)" bench
	cargo bench -p pulumi-resource-aws-apigatewayv2 --bench calls -- --warm-up-time 1 --measurement-time 3
	cargo build --release -p pulumi-resource-aws-apigatewayv2
	cargo build --release -p integration-tests --bin floor
	BENCH_PREVIOUS="$(call prev_version,$(PREV_BENCH))=$(PREV_DIR)/target" cargo run --release -p integration-tests --bin bench

## The link orders of the plugin and of the bench's floor (provider/link-order.txt and .ld,
## tests/integration/floor-link-order.txt and .ld; see provider/link_args.rs): each release
## binary is linked with a linker map and run under valgrind through start-up and Configure, once
## under callgrind (the functions that ran: .txt) and once under lackey (the read-only data they
## read: .ld, a linker script); then both are linked again in that order. Run it when the bench's
## RSS rows grow: a function or constant renamed since is simply not placed. The plugin is built
## alone, as it ships (see release).
LINK_MAPS := $(CURDIR)/target/link-maps
link-order:
	@scripts/debian-packages.sh valgrind
	mkdir -p $(LINK_MAPS)
	LINK_MAP_DIR=$(LINK_MAPS) cargo build --release -p pulumi-resource-aws-apigatewayv2
	LINK_MAP_DIR=$(LINK_MAPS) cargo build --release -p integration-tests --bin floor
	cargo build -p integration-tests --bin link_order
	target/debug/link_order target/release/pulumi-resource-aws-apigatewayv2 $(LINK_MAPS)/pulumi-resource-aws-apigatewayv2.map provider/link-order.txt provider/link-order.ld
	target/debug/link_order target/release/floor $(LINK_MAPS)/floor.map tests/integration/floor-link-order.txt tests/integration/floor-link-order.ld
	cargo build --release -p pulumi-resource-aws-apigatewayv2
	cargo build --release -p integration-tests --bin floor

## This machine's plugin archive (linux-amd64) named as the engine expects, installable with
## `pulumi plugin install --file`.
archive: release
	@scripts/package.sh target/release/pulumi-resource-aws-apigatewayv2 $(DIST) $(VERSION)

## The plugin archives for linux-amd64, linux-arm64 and windows-amd64 and their SHA-256
## checksums, in $(DIST); installs the Rust targets and Debian's cross linkers it needs.
dist:
	@scripts/dist.sh $(DIST) $(VERSION)

## Each archive run where it can be (natively, under Debian's qemu-user, under wine) and driven
## over gRPC through a deployment's life against the emulator.
check-dist: dist
	@scripts/debian-packages.sh qemu-user wine wine64
	$(CARGO_TEST) --test dist_archives -- --test-threads 1 --nocapture

## Run the emulator in the foreground (Ctrl-C stops it).
emulator: release
	target/release/apigatewayv2-emulator --port 4510 --state-file .work/emulator-state.json

demo: tools archive venv
	@scripts/demo.sh up "$(ARCHIVE)" "$(VERSION)"

demo-destroy: tools
	@scripts/demo.sh destroy "$(ARCHIVE)" "$(VERSION)"
