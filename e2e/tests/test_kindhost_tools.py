"""The kind-host twin's stand-in host tools and build checks, alone: the fake root's GPU tools behave as
kmod and the kernel do, kind's node names, and what the docker-build stand-in refuses to build."""
from __future__ import annotations

import multiprocessing
import os
import subprocess
from pathlib import Path

import pytest

from e2e.kindhost import fakeroot, state
from e2e.kindhost.plugins.docker_build import check_dockerfile, enabled_units
from e2e.kindhost.plugins.protocol import Props
from e2e.kindhost.tools import gpu
from e2e.kindhost.tools import kind
from e2e.kindhost.tools.kind import KindError, node_names


@pytest.fixture
def root(tmp_path) -> Path:
    return fakeroot.make(tmp_path / "root")


def tool(root: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(root / "usr/sbin" / argv[0]), *argv[1:]], capture_output=True, text=True)


def test_rmmod_refuses_a_module_in_use_and_takes_the_drivers_procfs_with_nvidia(root):
    refused = tool(root, "rmmod", "nvidia")
    assert refused.returncode == 1 and "is in use by: nvidia_modeset nvidia_uvm" in refused.stderr
    tool(root, "systemctl", "stop", "nvidia-persistenced")  # it holds /dev/nvidiactl
    for name in ("nvidia_drm", "nvidia_modeset", "nvidia_uvm", "nvidia"):
        assert tool(root, "rmmod", name).returncode == 0, name
    assert not (root / "proc/driver/nvidia").exists() and tool(root, "nvidia-smi", "-L").returncode == 9
    assert "not currently loaded" in tool(root, "rmmod", "nvidia").stderr


def test_modprobe_loads_the_hosts_build_with_what_it_uses(root):
    tool(root, "systemctl", "stop", "nvidia-persistenced")
    for name in ("nvidia_drm", "nvidia_modeset", "nvidia_uvm", "nvidia"):
        tool(root, "rmmod", name)
    assert tool(root, "modprobe", "nvidia_drm").returncode == 0
    mods = gpu.Kernel(root).modules()
    assert {"nvidia", "nvidia_modeset", "nvidia_drm"} <= set(mods) and mods["nvidia"][2] == ["nvidia_modeset"]
    assert (root / "sys/module/nvidia/srcversion").read_text().strip() == fakeroot.SRCVERSION
    assert tool(root, "nvidia-smi", "-L").stdout.startswith(f"GPU 0: {gpu.GPU_MODEL} (UUID: {gpu.GPU_UUID})")


def test_the_gpu_workers_boot_keeps_loaded_modules_and_holds_the_device(root):
    kernel = gpu.Kernel(root)
    kernel.worker_boot("WORKERBUILD")  # the host's driver is still loaded: kept, as nvidia-load-modules does
    assert (root / "sys/module/nvidia/srcversion").read_text().strip() == fakeroot.SRCVERSION
    assert "rmmod: ERROR: Module nvidia is in use" in tool(root, "rmmod", "nvidia").stderr
    kernel.worker_stop()
    assert not (root / "proc" / str(gpu.WORKER_PID)).exists()


def test_systemctl_knows_only_persistenced(root):
    assert tool(root, "systemctl", "is-active", "nvidia-persistenced").stdout.strip() == "active"
    assert tool(root, "systemctl", "stop", "crio").returncode == 5


def test_kind_names_nodes_as_kind_does():
    assert node_names("kind", ["control-plane", "worker", "worker"]) == [
        ("kind-control-plane", "control-plane"), ("kind-worker", "worker"), ("kind-worker2", "worker")]


@pytest.fixture
def built(tmp_path, monkeypatch) -> list[str]:
    """kind's node-image build against a present base image; the images it would import."""
    monkeypatch.setenv(state.ENV, str(tmp_path / "state"))
    monkeypatch.setattr(kind.rootfs, "image_id", lambda ref: "sha256:base")
    images: list[str] = []
    monkeypatch.setattr(kind.rootfs, "import_image", lambda image, labels: images.append(image))
    return images


def test_kind_builds_a_release_from_a_version_and_a_source_build_from_a_tree_as_kind_v0_24_does(tmp_path, built):
    kind.build_node_image("base", "node:release", "v1.31.0", "release")
    kind.build_node_image("base", "node:source", str(tmp_path), "")
    assert built == ["node:release", "node:source"]
    with pytest.raises(KindError, match="v1.31 is not a valid kubernetes version"):
        kind.build_node_image("base", "node:x", "v1.31", "release")
    with pytest.raises(KindError, match="v1.31.0 is not a Kubernetes source tree"):
        kind.build_node_image("base", "node:x", "v1.31.0", "source")
    assert built == ["node:release", "node:source"]


def _image(tmp_path: Path, dockerfile: str, tags: list[str], **args) -> Props:
    (tmp_path / "state").mkdir(exist_ok=True)  # the twin's state: an empty stand-in registry
    (tmp_path / "ctx").mkdir(exist_ok=True)
    (tmp_path / "ctx/present.conf").write_text("x")
    return Props({"tags": tags, "context": {"location": str(tmp_path / "ctx")},
                  "dockerfile": {"inline": dockerfile}, "buildArgs": args})


def test_a_build_from_an_image_of_this_stack_that_was_never_built_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(state.ENV, str(tmp_path / "state"))
    props = _image(tmp_path, "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY present.conf /etc/\n",
                   ["localhost:5999/kind-node-crio:abc"], BASE_IMAGE="localhost:5999/kind-node:never-built")
    assert "FROM localhost:5999/kind-node:never-built: not found" in check_dockerfile(props)[0]


def test_a_copy_of_a_file_the_context_lacks_is_refused_and_a_public_base_is_taken_as_pullable(tmp_path, monkeypatch):
    monkeypatch.setenv(state.ENV, str(tmp_path / "state"))
    props = _image(tmp_path, "FROM ubuntu:jammy-20240911.1\nCOPY missing.conf present.conf /etc/\n",
                   ["localhost:5999/kind-base:abc"])
    assert check_dockerfile(props) == [f"COPY missing.conf: not in the build context {tmp_path / 'ctx'}"]


def test_an_image_remembers_the_units_its_build_enables(tmp_path):
    props = _image(tmp_path, "FROM ubuntu:22.04\nRUN apt-get install -y x \\\n && systemctl enable "
                             "nvidia-modules.service nvidia-mps.service\n", ["localhost:5999/kind-node-acc:abc"])
    assert enabled_units(props) == "nvidia-modules.service nvidia-mps.service"


def _write_registries(folder: str, count: int) -> None:
    os.environ[state.ENV] = folder
    for i in range(count):
        with state.locked_json("registry.json") as registries:
            registries.setdefault("localhost:5001", {})[f"image-{i:04d}" * 16] = "sha256:" + "0" * 2000


def test_a_reader_of_the_twins_state_never_sees_a_file_half_written(tmp_path, monkeypatch):
    """The stand-in plugins push in parallel (locked) while others read without the lock: with the file
    rewritten in place, over a third of such reads hit a truncated file (JSONDecodeError) here."""
    monkeypatch.setenv(state.ENV, str(tmp_path))
    writer = multiprocessing.get_context("spawn").Process(target=_write_registries, args=(str(tmp_path), 300))
    writer.start()
    reads = 0
    while writer.is_alive() or reads == 0:
        state.read_json("registry.json")  # raises on a partial file
        reads += 1
    writer.join()
    assert writer.exitcode == 0 and reads > 100
    assert len(state.read_json("registry.json")["localhost:5001"]) == 300
    assert sorted(p.name for p in tmp_path.iterdir()) == [".registry.json.lock", "registry.json"]
