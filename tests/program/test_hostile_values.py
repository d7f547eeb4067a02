"""No stack value can break out of a command: every string key of the settings, set to values with
quotes, `;`, `$(...)`, backquotes, newlines, spaces or a leading `-`, is either rejected by the
settings validation (naming the key) or, rendered by the whole program under the mock engine, stays
one literal word in every pulumi-command command line (create, update, delete)."""
from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path

import pytest

from preview import engine
from settings import SettingsError, load, stackfile
from settings.schema import IPAM_KEYS, KEYS, PROJECT, REGISTRY_KEYS, SRIOV_KEYS, WORKER_KEYS
from tests import harness
from tests.shellwords import ShellSyntaxError, bash_parses, literal_occurrences, words

STACKS = ("dev", "cpu-only", "external", "external-prebuilt")
COMMAND_FIELDS = ("create", "update", "delete")
SECRET_KEY = f"{PROJECT}:registryPassword"

# Where the keys of object and array keys live; a new object or array key must be added here.
NESTED = {
    "registry": [f"registry.{k}" for k in REGISTRY_KEYS],
    "sriovIpam": [f"sriovIpam.{k}" for k in IPAM_KEYS if k != "exclusions"] + ["sriovIpam.exclusions[0]"],
    "workers": [f"workers[0].{k}" for k in WORKER_KEYS if k != "sriov"]
               + [f"workers[0].sriov.{k}" for k in SRIOV_KEYS],
    "scenarios": ["scenarios[0]"],
    "functionImages": ["functionImages.cpufunc_calcapp"],
}


def key_paths() -> list[str]:
    out = []
    for key, spec in KEYS.items():
        if spec.type in ("object", "array"):
            assert key in NESTED, f"{key} is an {spec.type}: list its keys in NESTED so they are covered"
            out += NESTED[key]
        else:
            out.append(key)
    return out


FEATURES = {  # what each hostile feature adds after the key's marker
    "single-quote": "'x", "double-quote": '"x', "semicolon": ";x", "substitution": "$(touch aio-pwned)",
    "backquote": "`touch aio-pwned`", "newline": "\nx", "space": " x", "leading-dash": "",
}


def hostile(marker: str, features) -> str:
    """A value with the given features; marker (which names the key) is in it exactly once."""
    features = list(features)
    return ("-" if "leading-dash" in features else "") + marker + "".join(FEATURES[f] for f in features)


def _config_file(stack: str):
    f = harness.STACKS / f"{stack}.yaml"
    return f if f.exists() else None


def _base(stack: str) -> dict:
    """The stack's own values of the project's keys, decoded."""
    _, flat, _ = engine.load_stack_config(stack, _config_file(stack))
    out = {}
    for full, wire in flat.items():
        ns, _, key = full.partition(":")
        if ns == PROJECT and key in KEYS:
            out[key] = json.loads(wire) if KEYS[key].type in ("object", "array") else wire
    if not stack.startswith("external"):  # a source build, so that kubernetesSource reaches a command
        out["kubernetesBuild"] = "source"
    return out


def _set(base: dict, path: str, value: str) -> dict | None:
    """{top-level key: new value} with value at path; None when the stack has no parent for it (a
    nested key is only tried where its object exists, so that only its own value is judged)."""
    top, *rest = re.split(r"\.|\[", path)
    if not rest:
        return {top: value}
    doc = copy.deepcopy(base.get(top))
    node, parts = doc, [int(p[:-1]) if p.endswith("]") else p for p in rest]
    for part in parts[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    if not isinstance(node, (dict, list)) or (isinstance(node, list) and len(node) <= parts[-1]):
        return None
    node[parts[-1]] = value
    return {top: doc}


_LOAD = engine.load_stack_config


@functools.lru_cache(maxsize=None)
def _stack_config(stack: str):
    return _LOAD(stack, _config_file(stack), {})  # parsing the YAML is most of the cost: once per stack


def _flat(stack: str, overrides: dict):
    """load_stack_config(stack, file, overrides), with the tests' controller checkout unless the
    overrides name one (as tests/harness.run)."""
    overrides = {"controllerCheckout": str(harness.CONTROLLER_CHECKOUT), **overrides}
    project, flat, secrets = _stack_config(stack)
    flat = {**flat, **{f"{project}:{k}": stackfile._wire(v) for k, v in overrides.items()}}
    if "registryPassword" in overrides:
        secrets = [*secrets, SECRET_KEY]  # set as `pulumi config set --secret` would
    return project, flat, secrets


def _problems(stack: str, overrides: dict) -> list[str]:
    _, flat, secrets = _flat(stack, overrides)
    try:
        load(flat, stack=stack, base_dir=engine.PROJECT_DIR, secret_keys=secrets, host_files=False)
    except SettingsError as err:
        return err.problems
    return []


def _commands(stack: str, overrides: dict, monkeypatch) -> list[tuple[str, str, str]]:
    monkeypatch.setattr(engine, "load_stack_config", lambda s, f=None, o=None: _flat(s, o or {}))
    result = engine.run_program(stack, _config_file(stack), overrides)
    out = []
    for r in result.by_type("command:local:Command"):
        for field in COMMAND_FIELDS:
            cmd = r.inputs.get(field)
            if cmd:
                out.append((r.name, field, cmd))
    return out


def _plan(stack: str) -> tuple[dict[str, list[str]], dict[str, list[tuple[str, str]]]]:
    """Per key path: the problems of its rejected values, and its accepted values as (features,
    value). A key is tried with every feature at once; where validation rejects that, with each
    feature alone, and then with all the features it took alone."""
    base = _base(stack)
    rejected: dict[str, list[str]] = {}
    accepted: dict[str, list[tuple[str, str]]] = {}

    def attempt(path: str, names: list[str], marker: str) -> bool:
        problems = _problems(stack, _set(base, path, hostile(marker, names)))
        if problems:
            rejected.setdefault(path, []).extend(problems)
        return not problems

    for n, path in enumerate(key_paths()):
        marker = f"hk{n:02d}"
        if _set(base, path, marker) is None:
            continue
        if attempt(path, list(FEATURES), marker):
            accepted[path] = [("all", hostile(marker, FEATURES))]
            continue
        taken = [f for f in FEATURES if attempt(path, [f], marker)]
        if len(taken) > 1 and attempt(path, taken, marker):
            accepted[path] = [("+".join(taken), hostile(marker, taken))]
        else:
            accepted.update({path: [(f, hostile(marker, [f])) for f in taken]} if taken else {})
    return rejected, accepted


def _runs(accepted: dict[str, list[tuple[str, str]]]) -> list[dict[str, tuple[str, str]]]:
    """Groups of path -> (features, value) rendered together: run k holds every key's k-th value."""
    runs: list[dict[str, tuple[str, str]]] = []
    for path, values in accepted.items():
        for k, value in enumerate(values):
            if k == len(runs):
                runs.append({})
            runs[k][path] = value
    return runs


def _overrides(base: dict, group: dict[str, tuple[str, str]]) -> dict:
    merged = copy.deepcopy(base)
    for path, (_, value) in group.items():
        merged.update(_set(merged, path, value))
    keys = {re.split(r"\.|\[", p)[0] for p in group} | ({"kubernetesBuild"} & set(merged))
    return {k: merged[k] for k in keys}


@pytest.mark.parametrize("stack", STACKS)
def test_every_string_key_is_rejected_or_stays_one_literal_word(stack, monkeypatch):
    rejected, accepted = _plan(stack)
    for path, problems in rejected.items():
        top = re.split(r"\.|\[", path)[0]
        assert any(p.startswith((path, top)) for p in problems), (
            f"{stack}: a hostile {path} is rejected, but no problem names it: {problems}")
    base, checked = _base(stack), set()
    for group in _runs(accepted):
        over = _overrides(base, group)
        if _problems(stack, over):  # accepted one by one, not together: render them one by one
            subgroups = [{p: v} for p, v in group.items()]
        else:
            subgroups = [group]
        for sub in subgroups:
            for name, field, cmd in _commands(stack, _overrides(base, sub), monkeypatch):
                assert cmd != "[secret]", f"{name}.{field} is a secret: a secret is in a command line"
                assert bash_parses(cmd) is None, f"{stack}: {name}.{field} does not parse: {bash_parses(cmd)}"
                for path, (variant, value) in sub.items():
                    marker = f"hk{key_paths().index(path):02d}"
                    found, seen = literal_occurrences(cmd, value, marker)
                    assert found == seen, (
                        f"{stack}: {path} = {value!r} ({variant}) is not one literal word in "
                        f"{name}.{field}: {cmd}")
                    if seen:
                        checked.add(path)
    if not stack.startswith("external"):  # the case: the Kubernetes checkout went into a root shell
        assert "kubernetesSource" in checked


def test_every_key_is_tried_in_some_stack():
    tried = set()
    for stack in STACKS:
        base = _base(stack)
        tried |= {p for p in key_paths() if _set(base, p, "x") is not None}
    assert tried == set(key_paths())


@pytest.mark.parametrize("cmd, value, ok", [
    ("kind build node-image /src/'mk'\"'\"'b;$(x)'", "mk'b;$(x)", True),
    ('docker push "h/mk$(x)/p"', "h/mk$(x)/p", False),  # double quotes keep $(...) live
    ("docker push h/mk b", "mk b", False),  # a space splits it
    ("echo 'mk\nb'", "mk\nb", True),
    ("echo mk;b", "mk;b", False),
    ("echo mk\\;b", "mk;b", True),
])
def test_literal_word_check_tells_quoted_from_live_values(cmd, value, ok):
    found, seen = literal_occurrences(cmd, value, "mk")
    assert (found == seen and seen > 0) is ok


def test_unbalanced_quotes_are_a_syntax_error():
    with pytest.raises(ShellSyntaxError):
        words("echo 'a")
    assert bash_parses("echo 'a") is not None


DOCKERFILES = Path(__file__).resolve().parents[2] / "components" / "dockerfiles"


def _unquoted_expansions(cmd: str) -> list[str]:
    """The `$NAME` / `${NAME}` in cmd outside double quotes (single-quoted ones expand to nothing)."""
    out, quote, i = [], None, 0
    while i < len(cmd):
        c = cmd[i]
        if c == "\\" and quote != "'":
            i += 2
            continue
        if c in "'\"" and quote in (None, c):
            quote = None if quote else c
        elif c == "$" and quote is None:
            out.append(re.match(r"\$\{?\w*", cmd[i:]).group())
        i += 1
    return out


def test_build_args_reach_dockerfile_shells_only_inside_double_quotes():
    """Build args (crioVersion, the driver file name) are environment variables in a RUN: inside
    double quotes the shell expands them without splitting or re-parsing their content."""
    checked = 0
    for dockerfile in sorted(DOCKERFILES.rglob("Dockerfile")):
        text = dockerfile.read_text().replace("\\\n", " ")
        for line in text.splitlines():
            if line.startswith("RUN "):
                checked += 1
                assert not _unquoted_expansions(line), (
                    f"{dockerfile}: {_unquoted_expansions(line)} unquoted in {line}")
    assert checked


def test_kind_network_script_holds_the_subnet_as_one_literal_word():
    """kindNetworkSubnet is validated as a CIDR; the script quotes it anyway, once, and reuses $want."""
    from components.kind_cluster import _network_script
    value = hostile("hk", FEATURES)
    cmd = _network_script(value)
    assert literal_occurrences(cmd, value, "hk") == (1, 1) and bash_parses(cmd) is None
