"""runner.for_root: the host's tools for "/", only the root's own tools for any other root."""
from __future__ import annotations

import os
import shutil

import pytest

from host.runner import RootedRunner, SubprocessRunner, ToolMissing, for_root, missing
from tests import roottools


def test_the_host_root_runs_tools_from_path():
    runner = for_root("/")
    assert type(runner) is SubprocessRunner and runner.root == "/"
    assert runner.which("sh") == shutil.which("sh")
    assert runner.run(["sh", "-c", "echo hi"]).stdout == "hi\n"


def test_another_root_runs_its_own_tool_by_its_path_in_the_root(tmp_path):
    roottools.install(tmp_path, "rmmod", "print('unloaded', argv[1])")
    runner = for_root(str(tmp_path))
    assert type(runner) is RootedRunner and runner.which("rmmod") == str(tmp_path / "usr/sbin/rmmod")
    assert runner.run(["rmmod", "nvidia"]).stdout == "unloaded nvidia\n"
    assert roottools.calls(tmp_path) == [["rmmod", "nvidia"]]


@pytest.mark.parametrize("folder", ["usr/sbin", "sbin", "usr/bin", "bin"])
def test_a_roots_tools_are_found_in_each_of_its_tool_folders(tmp_path, folder):
    roottools.install(tmp_path, "modprobe", folder=folder)
    assert for_root(str(tmp_path)).which("modprobe") == str(tmp_path / folder / "modprobe")


def test_a_tool_on_the_host_path_but_not_in_the_root_is_refused_naming_root(tmp_path):
    assert shutil.which("sh")  # on the host, not in the root
    runner = for_root(str(tmp_path))
    why = f"sh not found under --root {tmp_path} (a fake root runs only its own tools)"
    with pytest.raises(ToolMissing) as err:
        runner.run(["sh", "-c", "touch /tmp/never"])
    assert str(err.value) == why
    unchecked = runner.run(["sh"], check=False)
    assert (unchecked.rc, unchecked.stderr) == (127, why)
    assert missing(runner, ["sh"]) == why


def test_a_tool_linked_out_of_the_root_or_given_by_path_never_runs(tmp_path):
    (tmp_path / "usr/sbin").mkdir(parents=True)
    os.symlink(shutil.which("sh"), tmp_path / "usr/sbin/rmmod")  # points at a host binary
    os.symlink("/usr/bin", tmp_path / "bin")  # a whole folder out of the root
    runner = for_root(str(tmp_path))
    assert runner.which("rmmod") is None and runner.which("ls") is None
    assert runner.which(shutil.which("sh")) is None and runner.which("../../bin/sh") is None
    assert runner.run([shutil.which("sh"), "-c", "true"], check=False).rc == 127


def test_a_relative_root_is_made_absolute_and_an_empty_one_runs_nothing(tmp_path, monkeypatch):
    roottools.install(tmp_path, "systemctl")
    monkeypatch.chdir(tmp_path.parent)
    assert for_root(tmp_path.name).root == str(tmp_path)
    assert for_root(tmp_path.name).which("systemctl") == str(tmp_path / "usr/sbin/systemctl")
    assert for_root("").which("systemctl") is None
    assert type(for_root("//")) is type(for_root("/.")) is SubprocessRunner
