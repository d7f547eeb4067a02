"""The stand-in provider plugins (e2e/kindhost/plugins) through the real engine: local.Command as
pulumi-command 1.2.1 behaves (create/update/delete through the shell with environment, stdin, dir and
interpreter; triggers replace even with `update` set, other changes update; a failing command fails the
step with its output; secrets stay secret), and the docker-build / docker stand-ins' chain checks."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pulumi
import pulumi_command.local as local
import pytest
from pulumi import automation as auto

from e2e.engine import changes, inline_stack
from e2e.kindhost.plugins.install import install

SECRET = "s3cr3t-kubeconfig-4711"
SECRET_SIG = "4dabf18193072939515e22adb298388d"


@pytest.fixture
def engine(toolchain, tmp_path):
    home = tmp_path / "pulumi-home"
    install(toolchain, home)
    spec: dict = {}

    def program():
        for name, args in spec.items():
            opts = pulumi.ResourceOptions(additional_secret_outputs=args.pop("secret_outputs", []))
            if args.pop("secret_stdin", False):
                args["stdin"] = pulumi.Output.secret(args["stdin"])
            cmd = local.Command(name, **args, opts=opts)
            pulumi.export(name, {"stdout": cmd.stdout, "stderr": cmd.stderr})

    def run(resources: dict, op: str = "up", **kwargs):
        spec.clear()
        spec.update({k: dict(v) for k, v in resources.items()})
        stack = inline_stack(toolchain, tmp_path / "engine", "standin-plugins", "test", program, {},
                             env={"PULUMI_HOME": str(home)})
        lines: list[str] = []
        result = getattr(stack, op)(on_output=lines.append, **kwargs)
        return stack, result, "\n".join(lines)
    run.log = tmp_path / "log"
    return run


def _state(stack: auto.Stack, name: str) -> dict:
    return next(r for r in stack.export_stack().deployment["resources"] if r["urn"].endswith(f"::{name}"))


def test_create_runs_through_the_interpreter_in_dir_with_environment_and_stdin(engine, tmp_path):
    (tmp_path / "here").mkdir()
    _, up, _ = engine({"c": {"create": "import os,sys; print(os.getcwd(), os.environ['GREETING'], sys.stdin.read())",
                             "interpreter": ["python3", "-c"], "dir": str(tmp_path / "here"),
                             "environment": {"GREETING": "hello"}, "stdin": "from-stdin\n"}})
    assert up.outputs["c"].value["stdout"] == f"{tmp_path / 'here'} hello from-stdin\n"  # one newline cut


def test_triggers_replace_even_with_update_set_other_changes_run_update_with_the_previous_output(engine, tmp_path):
    log = tmp_path / "calls"
    base = {"create": f"echo create >> {log}; echo made", "update": f"echo update:$PULUMI_COMMAND_STDOUT >> {log}; echo updated",
            "delete": f"echo delete:$PULUMI_COMMAND_STDOUT >> {log}", "triggers": ["a"]}
    engine({"c": base})
    _, up, _ = engine({"c": {**base, "environment": {"X": "1"}}})
    assert changes(up.summary.resource_changes)["update"] == 1
    _, up, _ = engine({"c": {**base, "environment": {"X": "1"}, "triggers": ["b"]}})
    assert changes(up.summary.resource_changes)["replace"] == 1
    # The replacement is created before the old one is deleted; delete sees the last run's output.
    assert log.read_text().splitlines() == ["create", "update:made", "create", "delete:updated"]


def test_without_update_a_changed_input_runs_create_again(engine, tmp_path):
    log = tmp_path / "calls"
    engine({"c": {"create": f"echo create:$V >> {log}", "environment": {"V": "1"}}})
    _, up, _ = engine({"c": {"create": f"echo create:$V >> {log}", "environment": {"V": "2"}}})
    assert changes(up.summary.resource_changes)["update"] == 1
    assert log.read_text().splitlines() == ["create:1", "create:2"]


def test_a_command_that_does_not_read_its_stdin_still_runs_on_every_step(engine, tmp_path):
    big = "x" * 1_000_000  # more than a pipe holds: the write meets a command that has exited
    _, up, _ = engine({"c": {"create": "true", "delete": f"touch {tmp_path / 'deleted'}", "stdin": big}})
    engine({}, op="destroy")
    assert (tmp_path / "deleted").exists()


def test_a_failing_command_fails_the_step_with_its_output_and_records_nothing(engine):
    with pytest.raises(auto.CommandError) as err:
        engine({"c": {"create": "echo half way; echo broken >&2; exit 3"}})
    assert 'exit status 3: running "echo half way; echo broken >&2; exit 3"' in str(err.value)
    assert "half way" in str(err.value) and "broken" in str(err.value)
    stack, up, _ = engine({"ok": {"create": "true"}})
    assert [r["urn"].split("::")[-1] for r in stack.export_stack().deployment["resources"]
            if r["type"] == "command:local:Command"] == ["ok"]


def test_secrets_stay_secret_in_state_and_out_of_the_log(engine, tmp_path):
    stack, up, out = engine({"c": {"create": "cat", "stdin": SECRET, "secret_stdin": True,
                                   "secret_outputs": ["stdout"], "logging": local.Logging.NONE}})
    assert up.outputs["c"].value["stdout"] == SECRET  # the program gets the value
    outputs = _state(stack, "c")["outputs"]  # the export shows secrets decrypted, each still marked secret
    assert SECRET_SIG in outputs["stdin"] and SECRET_SIG in outputs["stdout"]  # stdin kept secret by the plugin
    checkpoints = list((tmp_path / "engine" / "state").rglob("test.json"))
    assert checkpoints and not any(SECRET in c.read_text() for c in checkpoints)  # encrypted at rest
    assert SECRET not in out
    logged = engine({"d": {"create": "echo visible-line"}})[2]
    assert "visible-line" in logged  # without logging: none, the output is the engine's log
