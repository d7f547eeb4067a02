"""The real Pulumi engine, driven through the Automation API with the e2e toolchain.

No pulumi-language-python can be built here (see toolchain/items.py UNAVAILABLE), so programs run
inline: the SDK serves the language runtime itself and the CLI connects to it (`--client`). The
CLI, its bundled dynamic-provider shim and the provider plugins are the toolchain's. State lives in
a local file backend with a passphrase; nothing reaches the network.
"""
from __future__ import annotations

import json
import os
import runpy
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from pulumi import automation as auto

from e2e.toolchain import Toolchain

REPO = Path(__file__).resolve().parents[1]
PASSPHRASE = "openkasugai-aio-e2e"  # the e2e stacks hold no secret worth a real one


def diagnostics(text: str, chars: int = 6000) -> str:
    """The Diagnostics section of a failed engine or CLI run (its end when it has none): the errors,
    not the stack outputs printed after them."""
    if "Diagnostics:" in text:
        text = text.split("Diagnostics:", 1)[1].split("\nOutputs:", 1)[0].split("\nResources:", 1)[0]
    return text.strip()[-chars:]


def engine_env(chain: Toolchain, state: Path) -> dict[str, str]:
    return {
        "PULUMI_HOME": str(chain.pulumi_home),
        "PULUMI_BACKEND_URL": f"file://{state}",
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
        # The bundled dynamic-provider shim runs `$PULUMI_PYTHON_CMD -m pulumi.dynamic`: this venv's
        # python, with the repository importable (providers are pickled by reference).
        "PULUMI_PYTHON_CMD": sys.executable,
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
        "PATH": os.pathsep.join((str(chain.bin), os.environ.get("PATH", ""))),
    }


class TimedCommand(auto.PulumiCommand):
    """The CLI, timing each operation's own command: `last` is how long the latest `preview`, `up`, `refresh` or
    `destroy` ran, as a user's `pulumi up` does, without the `stack output` and `stack history` calls the
    Automation API makes around it (about 0.8 s a step here)."""

    OPERATIONS = ("preview", "up", "refresh", "destroy")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last = 0.0

    def run(self, args, cwd, additional_env, on_output=None, on_error=None):
        start = time.monotonic()
        try:
            return super().run(args, cwd, additional_env, on_output, on_error)
        finally:
            if any(a in self.OPERATIONS for a in args):
                self.last = time.monotonic() - start


def inline_stack(chain: Toolchain, work: Path, project: str, stack: str, program: Callable[[], None],
                 config: dict[str, Any], env: dict[str, str] | None = None) -> auto.Stack:
    """A stack of `project` in a local file backend under work/state, its program run inline; `env`
    overrides the engine's environment (the kind-host twin's PULUMI_HOME and PATH)."""
    (work / "state").mkdir(parents=True, exist_ok=True)
    opts = auto.LocalWorkspaceOptions(
        work_dir=str(work), project_settings=auto.ProjectSettings(name=project, runtime="python"),
        env_vars={**engine_env(chain, work / "state"), **(env or {})},
        pulumi_command=TimedCommand(root=str(chain.home), skip_version_check=True),
        secrets_provider="passphrase")
    result = auto.create_or_select_stack(stack, project_name=project, program=program, opts=opts)
    result.set_all_config({k: auto.ConfigValue(v if isinstance(v, str) else json.dumps(v))
                           for k, v in config.items()})
    return result


@dataclass
class Project:
    """A Pulumi project folder (Pulumi.yaml + __main__.py) run inline from a scratch work dir."""
    folder: Path
    chain: Toolchain
    work: Path

    def stack(self, name: str, config: dict[str, Any]) -> auto.Stack:
        main = str(self.folder / "__main__.py")
        return inline_stack(self.chain, self.work, _project_name(self.folder), name,
                            lambda: runpy.run_path(main, run_name="__main__"), config)


def _project_name(folder: Path) -> str:
    for line in (folder / "Pulumi.yaml").read_text().splitlines():
        if line.startswith("name:"):
            return line.split(":", 1)[1].strip()
    raise ValueError(f"{folder / 'Pulumi.yaml'} has no name")


def changes(summary_changes: dict[str, int] | None) -> dict[str, int]:
    """The engine's own change counts, with every kind present."""
    counts = dict(summary_changes or {})
    return {k: int(counts.get(k, 0)) for k in ("create", "update", "delete", "replace", "same")}
