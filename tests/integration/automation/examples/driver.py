"""One Pulumi operation (preview, up or destroy) on stack `dev` of the Python project in the
current directory, through the Automation API with the project's __main__.py as an inline
program: the CLI calls back into this process, so no pulumi-language-python is needed. Prints the
operation's output; exits 1 when it fails.

Usage: python driver.py <preview|up|destroy> <projectName>  (the SDK venv's python)
"""

import runpy
import sys
from pathlib import Path

from pulumi import automation as auto


def main() -> None:
    op, project_name = sys.argv[1:3]
    work_dir = Path.cwd()
    # The project's own Pulumi.yaml names the project; project_name only matters without one.
    # (For an inline program the work dir goes in the options: create_or_select_stack's own
    # work_dir argument is for programs the CLI runs itself.)
    stack = auto.create_or_select_stack(
        stack_name="dev",
        project_name=project_name,
        program=lambda: runpy.run_path(str(work_dir / "__main__.py")),
        opts=auto.LocalWorkspaceOptions(work_dir=str(work_dir)),
    )
    operations = {"preview": stack.preview, "up": stack.up, "destroy": stack.destroy}
    if op not in operations:
        sys.exit(f"unknown operation {op}: preview, up or destroy")
    result = operations[op]()
    sys.stdout.write(result.stdout)


if __name__ == "__main__":
    try:
        main()
    except auto.CommandError as err:
        sys.exit(f"automation driver: {err}")
