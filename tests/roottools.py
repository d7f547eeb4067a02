"""Stand-in host tools inside a fake root, for tests of code that runs tools through runner.for_root(root).

Each tool is a small Python script in <root>/usr/sbin (or another of runner.TOOL_DIRS) that appends its
argv to <root>/calls.log, then does what its `body` says to the fake tree (e.g. rmmod edits
<root>/proc/modules). A test reads calls() to see every command that ran, and only the root's tools can
have run: runner.for_root never looks at the host's PATH for another root."""
from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

LOG = "calls.log"

PRELUDE = """\
#!{python}
import json, os, sys
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
argv = [os.path.basename(sys.argv[0]), *sys.argv[1:]]
with open(os.path.join(root, {log!r}), "a") as log:
    log.write(json.dumps(argv) + "\\n")
"""

# What the GPU tools do to a fake root: /proc/modules loses or gains the module's line.
RMMOD = """\
path = os.path.join(root, "proc/modules")
lines = open(path).read().splitlines()
if not any(l.split()[0] == argv[1] for l in lines):
    sys.exit(f"rmmod: ERROR: Module {argv[1]} is not currently loaded")
open(path, "w").write("".join(l + "\\n" for l in lines if l.split()[0] != argv[1]))
"""
MODPROBE = """\
path = os.path.join(root, "proc/modules")
lines = open(path).read().splitlines()
if not any(l.split()[0] == argv[1] for l in lines):
    lines.append(f"{argv[1]} 1000 0 - Live 0x0")
open(path, "w").write("".join(l + "\\n" for l in lines))
"""
GPU_TOOLS = {"rmmod": RMMOD, "modprobe": MODPROBE, "systemctl": ""}


def install(root: Path, tool: str, body: str = "", folder: str = "usr/sbin") -> Path:
    path = Path(root) / folder / tool
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PRELUDE.format(python=sys.executable, log=LOG) + textwrap.dedent(body))
    path.chmod(0o755)
    return path


def docker(root: Path, networks: dict[str, list[str]]) -> Path:
    """A `docker` that answers `docker network inspect -- NAME` from `networks` and `--version`."""
    return install(root, "docker", f"""\
networks = {networks!r}
if argv[1:2] == ["--version"]:
    print("Docker version 0.0.0-stand-in")
elif argv[1:4] == ["network", "inspect", "--"] and argv[4] in networks:
    cfg = [{{"Subnet": n}} for n in networks[argv[4]]]
    print(json.dumps([{{"Name": argv[4], "IPAM": {{"Config": cfg}}}}]))
else:
    sys.exit("Error: No such network")
""", folder="usr/bin")


def calls(root: Path) -> list[list[str]]:
    """Every command the root's tools ran, in order."""
    path = Path(root) / LOG
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
