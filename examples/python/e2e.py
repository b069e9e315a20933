"""Runs __main__.py as an Automation API inline program (no Python language host needed): `up`,
prints the outputs as one JSON line, then `destroy` when E2E_DESTROY is set. Reads E2E_WORK_DIR,
E2E_API_ID and, for the emulator, E2E_ENDPOINT."""

import json
import os
import runpy

from pulumi import automation as auto

HERE = os.path.dirname(os.path.abspath(__file__))


def program() -> None:
    runpy.run_path(os.path.join(HERE, "__main__.py"), run_name="__pulumi_program__")


def main() -> None:
    stack = auto.create_or_select_stack(
        stack_name="dev",
        project_name="apigatewayv2-deployment-py",
        program=program,
        opts=auto.LocalWorkspaceOptions(work_dir=os.environ["E2E_WORK_DIR"]),
    )
    stack.set_config("apiId", auto.ConfigValue(os.environ["E2E_API_ID"]))
    endpoint = os.environ.get("E2E_ENDPOINT")
    if endpoint:
        stack.set_config("aws-apigatewayv2:endpoint", auto.ConfigValue(endpoint))
    result = stack.up()
    print("OUTPUTS " + json.dumps({k: v.value for k, v in result.outputs.items()}), flush=True)
    if os.environ.get("E2E_DESTROY"):
        stack.destroy()
        print("DESTROYED", flush=True)


if __name__ == "__main__":
    main()
