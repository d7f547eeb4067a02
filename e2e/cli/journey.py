"""The user's own commands through the real `pulumi` CLI on this repository's Pulumi.yaml (report.json `cli`).

journey(): the external stack of e2e/fullstack, but as a user makes and runs it: `pulumi login`,
`stack init`, one `pulumi config set` (plain, `--path`) per value, preview, up, a second up with
`--expect-no-changes`, refresh with `--expect-no-changes`, `stack output` (a secret shown only with
`--show-secrets`), destroy and `stack rm`. Change counts are the CLI's own (`--json`).

readme_profiles(): the README's per-developer blocks as written (e2e/cli/readme.py), with $USER set
and unset, each profile's stack previewed through the CLI, the prebuilt external one also `up` and
`destroy` as the README's last block has it.
"""
from __future__ import annotations

import json
import os
import pwd
import re
import shutil
from pathlib import Path
from typing import Any, Callable

from e2e.cli import readme
from e2e.cli.session import CliError, Session, summary
from e2e.fullstack import objects
from e2e.simcluster.cluster import Cluster
from e2e.toolchain import Toolchain
from tests.host_files import write_nvidia_run

PROJECT = "openkasugai-aio"
STACK = "e2e-cli"
SECRET_OUTPUT = "kubeconfig"  # the cluster's kubeconfig: a secret output of every stack


class JourneyError(Exception):
    pass


def config_commands(config: dict[str, Any]) -> list[list[str]]:
    """`pulumi config set` argv for every value, the way the README shows: objects and lists leaf by leaf
    with --path (the CLI stores integers and true/false there as such), plain keys as text."""
    out: list[list[str]] = []

    def leaves(path: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                leaves(f"{path}.{k}", v)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                leaves(f"{path}[{i}]", v)
        else:
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            out.append(["config", "set", "--path", path, text] if "." in path or "[" in path
                       else ["config", "set", path, text])
    for key, value in config.items():
        if key.startswith(f"{PROJECT}:"):  # pulumi:disable-default-providers is Pulumi.yaml's own
            leaves(key.split(":", 1)[1], value)
    return out


def _step(steps: list[dict], name: str, seconds: float, changes: dict | None = None, **extra: Any) -> None:
    entry = {"name": name, "seconds": round(seconds, 2), "changes": changes or {}, **extra}
    steps.append(entry)
    print(f"e2e: cli: {name}: {entry['seconds']} s, {entry['changes']}" + (f", {extra}" if extra else ""),
          flush=True)


def _changed(counts: dict[str, int]) -> int:
    return sum(counts[k] for k in ("create", "update", "delete", "replace"))


def journey(chain: Toolchain, work: Path, cluster: Cluster, config: dict[str, Any],
            abort: Callable[[], list[str]]) -> list[dict]:
    """The steps of report.json's cli section; raises JourneyError (or CliError) on the first failure."""
    s = Session.create(chain, work / "journey")
    steps: list[dict] = []
    index = objects.Index(cluster.api())

    def engine(name: str, *args: str) -> dict[str, int]:
        run = s.pulumi(*args, "--json", abort=abort)
        counts = summary(run.output)
        _step(steps, name, run.seconds, counts)
        return counts

    state = s.root / "state"
    state.mkdir()
    login = s.pulumi("login", f"file://{state}")
    init = s.pulumi("stack", "init", STACK, "--secrets-provider", "passphrase")
    _step(steps, "stack-init", login.seconds + init.seconds)
    commands = config_commands(config)
    seconds = sum(s.pulumi(*argv).seconds for argv in commands)
    stored = json.loads(s.pulumi("config", "--json").output)
    wrong = [k for k, v in config.items() if k.startswith(f"{PROJECT}:") and _value(stored.get(k)) != v]
    _step(steps, "config-set", seconds, commands=len(commands))
    if wrong:
        raise JourneyError(f"pulumi config --json does not hold what was set for {wrong}")

    preview = engine("preview", "preview")
    up = engine("up", "up", "--yes")
    if not up["create"] or up["create"] != preview["create"]:
        raise JourneyError(f"up created {up['create']} resources, preview planned {preview['create']}")
    live = objects.from_state(s.stack_state())
    counts, problems = objects.problems_after_up(index, live)
    steps[-1]["objects"] = counts
    if problems:
        raise JourneyError("after up: " + "; ".join(problems))
    for name, args in (("noop-up", ("up", "--yes", "--expect-no-changes")),
                       ("refresh", ("refresh", "--yes", "--expect-no-changes"))):
        counts = engine(name, *args)
        if _changed(counts):
            raise JourneyError(f"{name} changed something: {counts}")

    outputs = s.pulumi("stack", "output", "--json")
    hidden = json.loads(outputs.output).get(SECRET_OUTPUT)
    shown = s.pulumi("stack", "output", SECRET_OUTPUT, "--show-secrets")
    _step(steps, "stack-output", outputs.seconds + shown.seconds, secret_hidden=hidden == "[secret]")
    if hidden != "[secret]" or "current-context" not in shown.output:
        raise JourneyError(f"stack output {SECRET_OUTPUT}: without --show-secrets {hidden!r}, with it "
                           f"{shown.output[:80]!r}: the secret output must be hidden, then shown")

    engine("destroy", "destroy", "--yes")
    left = index.left(live)
    if left:
        raise JourneyError(f"destroy left {len(left)} objects in the API: {', '.join(map(str, left[:10]))}")
    rm = s.pulumi("stack", "rm", "--yes")
    _step(steps, "stack-rm", rm.seconds)
    if (s.project / f"Pulumi.{STACK}.yaml").exists():
        raise JourneyError(f"stack rm left Pulumi.{STACK}.yaml behind")
    return steps


def _value(entry: dict | None) -> Any:
    if not entry:
        return None
    return entry["objectValue"] if "objectValue" in entry else entry.get("value")


# -- the README's blocks ----------------------------------------------------------------------------------

PROFILES = ("(a)", "(b)", "(c)", "(c) prebuilt")
# Where a profile's preview may stop on this machine: the facts only a kind-host (its NVIDIA driver) has,
# the network (upstream material is fetched on the first preview or up), and the providers the Go module
# proxy does not serve. Every problem line of a config error must be one of these; anything else (a
# config error the README's steps caused, a traceback) fails the block.
STOPS = {
    "no NVIDIA GPU here": re.compile(r"^(hostGpuUuid: required when a worker has gpu: true and no NVIDIA driver"
                                     r"|scenarios: \S+ runs a GPU function but the GPU model is unknown: no NVIDIA GPU)"),
    "no network here": re.compile(r"^\w+: could not (fetch|download) https://"),
}
MISSING_PLUGIN = re.compile(r"no resource plugin '(?:pulumi-(?:resource-)?)?(command|docker|docker-build|harbor)")


def config_problems(output: str) -> list[str]:
    """The problem lines of the program's config error, as the CLI's Diagnostics show them."""
    if "Diagnostics:" not in output or "invalid stack config:" not in output.split("Diagnostics:", 1)[1]:
        return []
    lines = output.split("Diagnostics:", 1)[1].split("invalid stack config:", 1)[1].split("\n")[1:]
    problems = []
    for line in lines:
        if not line.startswith("      "):
            break
        problems.append(line.strip())
    return problems


def preview_outcome(output: str, rc: int) -> str:
    """"ok", "stopped: <why>" (what this machine is not) or "failed: <why>"."""
    if "Traceback" in output:
        return "failed: a traceback"
    problems = config_problems(output)
    twice = [p for p in problems if output.count(p) > 1]
    if twice:
        return f"failed: printed twice: {twice[0]}"
    if rc == 0:
        return "ok"
    if problems:
        why = {next((w for w, line in STOPS.items() if line.search(p)), "") for p in problems}
        foreign = [p for p in problems if not any(line.search(p) for line in STOPS.values())]
        return f"failed: {'; '.join(foreign)}" if foreign else f"stopped: {', '.join(sorted(why))}"
    plugin = MISSING_PLUGIN.search(output)
    if plugin:
        return f"stopped: no {plugin.group(1)} provider plugin here"
    return "failed: " + output.strip()[-300:]


def user_files(cluster: Cluster, home: Path) -> dict[str, str]:
    """What the README's blocks point at in a user's home, made up for this machine: the driver installer
    (a stand-in file: no image is built here), the video folder, Harbor's CA (the simulated cluster's CA,
    a real certificate) and the lab cluster's kubeconfig (the simulated cluster's). Returns what each
    profile's block reads from the terminal: the registryPassword prompt."""
    (home / "DATA" / "video").mkdir(parents=True)
    write_nvidia_run(home / "NVIDIA-Linux-x86_64-550.90.12.run")  # the installer's stub header, no payload
    shutil.copy(cluster.state / "pki" / "ca.crt", home / "harbor-ca.crt")
    (home / ".kube").mkdir()
    shutil.copy(cluster.kubeconfig, home / ".kube" / "lab-cluster.yaml")
    return {"(a)": "harbor-password\n", "(c)": "harbor-password\n"}


def readme_profiles(chain: Toolchain, work: Path, cluster: Cluster, offline: dict[str, dict[str, str]],
                    abort: Callable[[], list[str]]) -> list[dict]:
    """`offline`: per profile kind ("kind", "external"), the keys a host without internet access sets
    (README "Per-developer stacks") and this machine's copies for them."""
    """report.json `readme_blocks`: one entry per block run, `ok` whether it did what the README says."""
    named = readme.by_label(readme.blocks())
    missing = [p for p in (*PROFILES, "login", "run") if p not in named]
    if missing:
        raise JourneyError(f"README.md's per-developer section lacks the blocks {missing}")
    results: list[dict] = []
    index = objects.Index(cluster.api())
    for user in ("developer", None):
        for profile in PROFILES:
            folder = work / "readme" / f"{profile.strip('()').replace(') ', '-')}-{user or 'nouser'}"
            with Session.create(chain, folder, user=user, local_login=True) as s:
                prompts = user_files(cluster, s.home)
                given = offline["external" if profile.startswith("(c)") else "kind"]
                results.extend(_profile(s, named, profile, user, prompts, given, index, abort))
    return results


def _profile(s: Session, named: dict[str, readme.Block], profile: str, user: str | None, stdin: dict[str, str],
             offline: dict[str, str], index: objects.Index, abort) -> list[dict]:
    out = []

    def record(block: readme.Block, ok: bool, **extra: Any) -> None:
        out.append({"section": f"{readme.SECTION[3:]} {block.label}", "lines": block.lines,
                    "user": user or "(unset)", "ok": ok, **extra})
        print(f"e2e: readme {block.label} lines {block.lines} USER={user or '(unset)'}: "
              f"{'ok' if ok else 'FAILED'} {extra or ''}", flush=True)
        if not ok:
            raise JourneyError(f"README.md lines {block.lines} ({block.label}, USER={user or 'unset'}): {extra}")

    for block in (named["login"], named[profile]):
        run = s.bash(block.text, stdin=stdin.get(profile, ""))
        record(block, run.rc == 0, **({} if run.rc == 0 else {"output": run.output[-2000:]}))
    stack = f"dev-{_login_name()}"
    if not (s.project / f"Pulumi.{stack}.yaml").is_file():
        record(named[profile], False, output=f"no Pulumi.{stack}.yaml after the block")
    for key, value in offline.items():  # the README's advice for a host without internet access
        s.pulumi("config", "set", key, value)
    preview = s.pulumi("preview", check=False, abort=abort)
    outcome = preview_outcome(preview.output, preview.rc)
    out[-1]["preview"] = outcome
    if outcome.startswith("failed"):
        record(named[profile], False, preview=outcome, output=preview.output[-3000:])
    if profile == "(c) prebuilt" and user is None:  # once: the run block does not read $USER
        s.env["PULUMI_SKIP_CONFIRMATIONS"] = "true"  # the prompt a user answers with "yes"
        run = s.bash(named["run"].text, check=False)
        created = re.search(r"\+ (\d+) created", run.output)
        deleted = re.search(r"- (\d+) deleted", run.output)
        ok = run.rc == 0 and bool(created and deleted) and created.group(1) == deleted.group(1)
        crds = index.api.request("GET", "/apis/example.com/v1")[0]
        record(named["run"], ok and crds == 404, created=created and int(created.group(1)),
               deleted=deleted and int(deleted.group(1)), **({} if ok else {"output": run.output[-3000:]}))
        s.pulumi("stack", "rm", "--yes")
    return out


def _login_name() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


def clean(work: Path) -> None:
    shutil.rmtree(work / "journey", ignore_errors=True)
    shutil.rmtree(work / "readme", ignore_errors=True)
