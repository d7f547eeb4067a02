"""The real `pulumi` CLI on this repository's Pulumi.yaml: what it declares, what it requires, what a
user sees when a value is wrong. The program runs behind the language-runtime STAND-IN (e2e/cli)."""
from __future__ import annotations

import json

import pytest

from e2e.cli.journey import config_problems, preview_outcome
from e2e.cli.session import Session
from settings.schema import KEYS, PROJECT


@pytest.fixture
def session(toolchain, tmp_path):
    with Session.create(toolchain, tmp_path / "session") as s:
        s.pulumi("login", f"file://{tmp_path}")
        s.pulumi("stack", "init", "fresh", "--secrets-provider", "passphrase")
        yield s


def test_a_fresh_stack_reads_every_declared_key_with_the_schemas_type_and_default(session):
    shown = json.loads(session.pulumi("config", "--json").output)
    declared = {k.split(":", 1)[1]: v for k, v in shown.items() if k.startswith(f"{PROJECT}:")}
    for name, key in KEYS.items():
        if key.secret or key.default is None:  # undeclared: a declared key without a default is required
            assert name not in declared, name
            continue
        entry = declared[name]
        value = entry.get("objectValue", entry["value"])
        if key.type == "integer":
            assert int(entry["value"]) == key.default, name
        elif key.type == "boolean":
            assert entry["value"] == ("true" if key.default else "false"), name
        else:
            assert value == key.default, name
    assert set(declared) <= set(KEYS)


def test_the_first_preview_of_a_fresh_stack_gets_past_the_clis_config_validation(session):
    # A declared key without a default would stop here with "is missing configuration value".
    run = session.pulumi("preview", check=False)
    assert "missing configuration value" not in run.output
    assert "Previewing update (fresh)" in run.output


def test_a_wrong_value_is_one_line_naming_its_key_printed_once(session):
    session.pulumi("config", "set", "podSubnet", "not-a-cidr")
    run = session.pulumi("preview", check=False)
    problems = config_problems(run.output)
    assert run.rc != 0 and problems and problems[0].startswith("podSubnet:"), run.output
    assert run.output.count(problems[0]) == 1
    assert preview_outcome(run.output, run.rc).startswith("failed: podSubnet:")
    assert "Traceback" not in run.output


def test_a_json_text_given_to_path_is_stored_as_text_and_refused_naming_the_key(session):
    session.pulumi("config", "set", "--path", "workers[0]", "{}")
    stored = json.loads(session.pulumi("config", "get", "workers", "--json").output)
    assert json.loads(stored["value"]) == ["{}"]  # what the CLI really stores
    problems = config_problems(session.pulumi("preview", check=False).output)
    assert problems and problems[0].startswith("workers[0]"), problems


def test_path_leaves_are_stored_typed_as_the_readme_says(session):
    session.pulumi("config", "set", "--path", "workers[0].name", "node-a")
    session.pulumi("config", "set", "--path", "workers[0].gpu", "true")
    session.pulumi("config", "set", "--path", "sriovIpam.perNodeBlockSize", "30")
    shown = json.loads(session.pulumi("config", "--json").output)
    assert shown[f"{PROJECT}:workers"]["objectValue"] == [{"name": "node-a", "gpu": True}]
    assert shown[f"{PROJECT}:sriovIpam"]["objectValue"] == {"perNodeBlockSize": 30}
