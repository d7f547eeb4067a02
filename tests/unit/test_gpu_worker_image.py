"""The GPU worker image at run time: its device nodes and the runtime GPU pods get (issue 17 items 3, 10)."""
from __future__ import annotations

import os
import subprocess
import tomllib

from renderers.imagespec import DOCKERFILES
from tests.harness import reference


# --- issue 17 item 3: nvidia-modprobe's -u branch creates only /dev/nvidia-uvm and /dev/nvidia-uvm-tools
# (nvidia-modprobe.c, the `else if (uvm_modprobe)` arm), and load-kmods = false means libnvidia-container
# creates none (nvc.c load_kernel_modules runs only with OPT_LOAD_KMODS).

def _gpu_tree(tmp_path, minors=(0,), loaded=(), version="550.90.07"):
    """A fake node: the image's modules, /proc/modules, the driver's per-GPU information files."""
    root = tmp_path / "node"
    kernel = os.uname().release
    mods = root / "opt/nvidia/modules" / kernel / "kernel/drivers/video"
    mods.mkdir(parents=True)
    for m in ("nvidia", "nvidia-uvm", "nvidia-modeset"):
        (mods / f"{m}.ko").write_text(version)
    (root / "proc").mkdir()
    (root / "proc/modules").write_text("".join(f"{m} 1000 0 - Live 0x0\n" for m in loaded))
    for i, minor in enumerate(minors):
        info = root / f"proc/driver/nvidia/gpus/0000:{0xca + i:02x}:00.0/information"
        info.parent.mkdir(parents=True)
        info.write_text(f"Model: \t\t NVIDIA A100 80GB PCIe\nDevice Minor: \t {minor}\n")
    (root / "sys/module/nvidia").mkdir(parents=True)
    (root / "sys/module/nvidia/version").write_text("550.90.07\n")
    return root


def _load_modules(tmp_path, root):
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    for tool in ("insmod", "nvidia-modprobe"):
        (bin_dir / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> {log}\n')
        (bin_dir / tool).chmod(0o755)
    (bin_dir / "modinfo").write_text('#!/bin/sh\ncat "$3"\n')  # modinfo -F version FILE
    (bin_dir / "modinfo").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "NVIDIA_ROOT": str(root)}
    res = subprocess.run(["/bin/sh", str(DOCKERFILES / "acc/files/nvidia-load-modules")], env=env,
                         capture_output=True, text=True)
    return res, (log.read_text().splitlines() if log.exists() else [])


def test_gpu_worker_creates_the_control_every_gpu_uvm_and_modeset_device_nodes(tmp_path):
    res, calls = _load_modules(tmp_path, _gpu_tree(tmp_path, minors=(0, 1)))
    assert res.returncode == 0, res.stderr
    assert [c for c in calls if c.startswith("insmod")] == [
        f"insmod {tmp_path}/node/opt/nvidia/modules/{os.uname().release}/kernel/drivers/video/{m}.ko"
        for m in ("nvidia", "nvidia-uvm", "nvidia-modeset")]
    assert [c for c in calls if c.startswith("nvidia-modprobe")] == [
        "nvidia-modprobe -c=255 -c=0 -c=1",  # /dev/nvidiactl, /dev/nvidia0, /dev/nvidia1
        "nvidia-modprobe -u -c=0",  # /dev/nvidia-uvm (minor 0) and /dev/nvidia-uvm-tools (minor 1)
        "nvidia-modprobe -m"]  # /dev/nvidia-modeset


def test_gpu_worker_refuses_a_foreign_nvidia_driver_already_loaded(tmp_path):
    root = _gpu_tree(tmp_path, loaded=("nvidia",), version="535.183.01")
    res, calls = _load_modules(tmp_path, root)
    assert res.returncode == 1 and "nvidia 550.90.07 is loaded, not this image's 535.183.01" in res.stderr
    assert calls == []


def test_gpu_worker_keeps_its_own_driver_loaded_and_still_creates_the_nodes(tmp_path):
    res, calls = _load_modules(tmp_path, _gpu_tree(tmp_path, loaded=("nvidia", "nvidia_uvm", "nvidia_modeset")))
    assert res.returncode == 0, res.stderr
    assert calls == ["nvidia-modprobe -c=255 -c=0", "nvidia-modprobe -u -c=0", "nvidia-modprobe -m"]


def test_toolkit_leaves_device_nodes_and_modules_to_the_boot_service():
    conf = tomllib.loads((DOCKERFILES / "acc/files/nvidia-container-runtime.toml").read_text())
    assert conf["nvidia-container-cli"]["load-kmods"] is False
    unit = (DOCKERFILES / "acc/files/nvidia-modules.service").read_text()
    assert "Before=crio.service nvidia-mps.service" in unit


# --- issue 17 item 10: the toolkit looks runtimes up on PATH (internal/oci/runtime_low_level.go
# findRuntime, internal/lookup/path.go defaultPATH); the cri-o package installs crun in /usr/libexec/crio
# and kind's base has runc in /usr/local/sbin. The all-in-one's config.toml names /usr/libexec/crio/crun.

def test_gpu_pods_run_with_crio_crun_like_the_all_in_one():
    conf = tomllib.loads((DOCKERFILES / "acc/files/nvidia-container-runtime.toml").read_text())
    runtimes = conf["nvidia-container-runtime"]["runtimes"]
    assert runtimes[0] == "/usr/libexec/crio/crun"
    assert all(r.startswith("/usr/libexec/crio/") for r in runtimes), "a bare name finds kind's runc"


def test_no_dockerfile_claims_kind_load_works_through_containerd():
    text = (DOCKERFILES / "crio/Dockerfile").read_text()
    assert "systemctl disable containerd" in text
    assert "`kind load` (which imports through containerd's `ctr`) does not work" in text


def test_gpu_runtime_matches_the_all_in_one_config_toml():
    """Upstream conformance: the all-in-one's kind/dci-with-acc/etc/nvidia-container-runtime/config.toml."""
    theirs = tomllib.loads(reference("openkasugai-all-in-one", "kind/dci-with-acc/etc/nvidia-container-runtime",
                                     "config.toml").read_text())
    ours = tomllib.loads((DOCKERFILES / "acc/files/nvidia-container-runtime.toml").read_text())
    assert ours["nvidia-container-runtime"]["runtimes"][0] == theirs["nvidia-container-runtime"]["runtimes"][0]
