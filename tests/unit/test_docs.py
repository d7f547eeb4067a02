"""README, Pulumi.yaml and .ci/run stay in step with the settings model."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from components.settings import KEYS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_readme_config_reference_lists_exactly_the_settings_keys():
    table = README.split("## Config reference", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([A-Za-z]+)` \|", table, flags=re.M)
    assert sorted(documented) == sorted(KEYS)


def test_readme_reference_shows_each_key_type_and_description():
    for key in KEYS.values():
        row = next(line for line in README.splitlines() if line.startswith(f"| `{key.name}` |"))
        assert f"| {key.type} |" in row and key.description in row, row


def test_pulumi_yaml_declares_scalar_keys_with_their_type_default_and_description():
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    for key in KEYS.values():
        if key.secret or key.type == "object" and key.default is None:
            assert key.name not in declared
            continue
        decl = declared[key.name]
        if "value" in decl:
            assert decl["value"] == key.default
            continue
        assert decl["type"] == key.type and decl["description"] == key.description
        assert decl.get("default") == key.default
    assert set(declared) - set(KEYS) == {"pulumi:disable-default-providers"}


def test_ci_runs_the_readme_test_command():
    command = re.search(r"```sh\n(\./venv/bin/python -m pytest)\n```", README).group(1)
    assert command in (ROOT / ".ci/run").read_text()


def test_readme_set_up_commands_come_first():
    first = re.search(r"```sh\n(.*?)```", README, flags=re.S).group(1)
    assert "pip install -r requirements.txt" in first and "components.preview --stack dev" in first
