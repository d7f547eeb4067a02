"""`pulumi` as the e2e session's PATH has it: the real CLI, with the one STAND-IN step a machine without
`pulumi-language-python` needs. For a command that runs the program (preview, up, refresh, destroy)
it starts e2e/cli/launcher.py with the project's own virtualenv (`venv`, as Pulumi.yaml's runtime
options say) and adds `--client=127.0.0.1:PORT`; every other command goes to the CLI untouched.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from e2e.cli.session import PROGRAM_COMMANDS, REAL_CLI_ENV


def project_dir(start: Path) -> Path | None:
    """The folder of the nearest Pulumi.yaml, looked for as the CLI does (upwards from cwd)."""
    for folder in (start, *start.parents):
        if (folder / "Pulumi.yaml").is_file():
            return folder
    return None


def command_of(args: list[str]) -> str:
    return next((a for a in args if not a.startswith("-")), "")


def main(args: list[str]) -> int:
    real = os.environ[REAL_CLI_ENV]
    # The CLI gets the user's environment: not the PYTHONPATH that found this shim.
    user_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    project = project_dir(Path.cwd())
    if command_of(args) not in PROGRAM_COMMANDS or project is None:
        return subprocess.call([real, *args], env=user_env)
    python = project / "venv" / "bin" / "python"
    launcher = subprocess.Popen([str(python if python.exists() else sys.executable), "-m", "e2e.cli.launcher",
                                 str(project)], stdout=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    try:
        port = launcher.stdout.readline().strip()
        if not port.isdigit():
            print("e2e shim: the language runtime stand-in did not start", file=sys.stderr)
            return 1
        return subprocess.call([real, *args, f"--client=127.0.0.1:{port}"], env=user_env)
    finally:
        launcher.terminate()
        launcher.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
