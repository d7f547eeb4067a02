"""A stack file that is not a stack file: one line naming the file, exit 2, from the preview and from
doctor; and config values of the wrong type as `pulumi up` hands them over: a SettingsError, never a
traceback."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from host.cli import main as host_main
from preview.__main__ import main as preview_main
from preview.engine import run_program
from settings import KEYS, SettingsError
from tests.harness import PROJECT_DIR

MALFORMED = [
    ("not YAML (an INI file)", b"[config]\nclusterName = kind\n", "line 2, column 1: not valid YAML"),
    ("YAML syntax error", b"config:\n  openkasugai-aio:clusterName: kind\n   bad: x\n", "line 3, column 7: not valid YAML"),
    ("unclosed flow list", b"config:\n  openkasugai-aio:scenarios: [p1c1\n", "not valid YAML"),
    ("tab indentation", b"config:\n\topenkasugai-aio:clusterName: kind\n", "line 2, column 1: not valid YAML"),
    ("top level a list", b"- config\n- x\n", "the top level is a list"),
    ("top level a text", b"just some words\n", "the top level is the text"),
    ("config a list", b"config:\n  - openkasugai-aio:clusterName\n", "config: is a list"),
    ("config a text", b"config: kind\n", "config: is the text 'kind'"),
    ("binary content", bytes(range(256)) * 4, "binary"),
    ("binary without NUL", b"\xff\xfe\x80config: x\n", "not UTF-8 text"),
    ("a control character", b"config:\n  openkasugai-aio:clusterName: a\x07b\n", "not valid YAML"),
    ("empty file", b"", "is empty"),
    ("only comments", b"# a stack file\n# nothing else\n", "is empty"),
    ("misspelt top-level section", b"confg:\n  openkasugai-aio:clusterName: kind\n", "did you mean 'config'"),
    ("a key given twice", b"config:\n  openkasugai-aio:clusterName: a\n  openkasugai-aio:clusterName: b\n",
     "line 3, column 3: not valid YAML: key 'openkasugai-aio:clusterName' is given twice"),
    ("a key without namespace", b"config:\n  clusterName: kind\n", "write openkasugai-aio:clusterName"),
    ("a key that is a number", b"config:\n  12: kind\n", "the key 12 is not text"),
    ("nested too deeply", b"config: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested too deeply"),
]


def _write(tmp_path, content: bytes):
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("case,content,says", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_preview_names_the_file_in_one_line(tmp_path, capsys, case, content, says):
    path = _write(tmp_path, content)
    assert preview_main(["--config-file", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}: ") and says in lines[0], lines


@pytest.mark.parametrize("case,content,says", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_doctor_names_the_file_in_one_line(tmp_path, capsys, case, content, says):
    path = _write(tmp_path, content)
    assert host_main(["doctor", "--config-file", str(path)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}: ") and says in lines[0], lines


def test_no_traceback_reaches_the_terminal(tmp_path):
    path = _write(tmp_path, bytes(range(256)))
    for argv in (["preview", "--config-file", str(path), "--out", str(tmp_path / "o")],
                 ["host", "doctor", "--config-file", str(path)]):
        res = subprocess.run([sys.executable, "-m", *argv], cwd=PROJECT_DIR, capture_output=True, text=True)
        assert res.returncode == 2 and "Traceback" not in res.stderr and res.stderr.count("\n") == 1, res.stderr


def test_a_null_in_the_stack_file_means_the_default(tmp_path, capsys):
    stack = (PROJECT_DIR / "Pulumi.dev.yaml").read_text().replace(
        "openkasugai-aio:clusterName: kind", "openkasugai-aio:clusterName:")
    path = tmp_path / "Pulumi.null.yaml"
    path.write_text(stack)
    assert preview_main(["--config-file", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    resources = (tmp_path / "out" / "resources.json").read_text()
    assert "None-" not in resources and "kind-worker" in resources


# What the CLI hands the program for a value of the wrong shape: text, JSON of another type.
WRONG = {"string": ['{"a": 1}', "[1, 2]"], "integer": ['"5001"', "[]", "1.5", "true"],
         "boolean": ['"yes"', "1", "{}"], "array": ['"p1c1"', "5", '{"a": 1}'],
         "object": ['"x"', "[]", "7"]}


@pytest.mark.parametrize("key", sorted(k for k in KEYS if not KEYS[k].secret))
def test_config_values_of_the_wrong_type_from_the_engine_are_settings_errors(key):
    for raw in WRONG[KEYS[key].type]:
        with pytest.raises(SettingsError) as err:
            run_program("dev", overrides={key: raw})
        assert any(p.split(": ")[0].startswith(key) for p in err.value.problems), (raw, err.value.problems)


def test_json_null_from_the_engine_means_the_default():
    result = run_program("dev", overrides={"podSubnet": None, "fpgaAgents": "null"})
    assert json.dumps(result.outputs.get("kindConfig", "")).count("10.100.0.0/16") == 1


def test_a_folder_given_as_the_stack_file_is_named(tmp_path, capsys):
    assert preview_main(["--config-file", str(tmp_path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert capsys.readouterr().err == f"--config-file: {tmp_path} is a folder, not a stack file\n"
