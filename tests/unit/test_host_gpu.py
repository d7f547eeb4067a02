"""GPU handover with a fake /proc, /sys and a fake runner: unload order, refusal when held, restore."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from host import gpu, probe
from host.errors import HostOpError, Refused
from host.runner import CommandError, Result

HOST_MODULES = {  # name: (refcount, users)
    "nvidia_drm": (0, []), "nvidia_modeset": (1, ["nvidia_drm"]), "nvidia_uvm": (0, []),
    "nvidia": (2, ["nvidia_uvm", "nvidia_modeset"]), "ext4": (1, []),
}


class FakeHost:
    """A fake root whose /proc/modules changes when the fake runner rmmods or modprobes."""

    def __init__(self, root: Path, modules=None, srcversion="HOSTSRC"):
        self.root, self.mods, self.src = root, dict(modules or HOST_MODULES), srcversion
        dev = root / "sys/bus/pci/devices/0000:3b:00.0"
        dev.mkdir(parents=True)
        for f, v in {"vendor": "0x10de", "class": "0x030200", "device": "0x2330"}.items():
            (dev / f).write_text(v + "\n")
        (root / "proc").mkdir(parents=True, exist_ok=True)
        (root / "proc/cpuinfo").write_text("processor\t: 0\nmodel name\t: Xeon Gold\nphysical id\t: 0\n"
                                           "processor\t: 1\nmodel name\t: Xeon Gold\nphysical id\t: 1\n")
        self.write()

    def sync(self):
        """self.mods from /proc/modules, after the root's own tools changed it."""
        self.mods = {f[0]: (int(f[2]), [u for u in f[3].split(",") if u and u != "-"])
                     for f in (l.split() for l in (self.root / "proc/modules").read_text().splitlines())}

    def write(self):
        lines = [f"{n} 1000 {rc} {','.join(u) + ',' if u else '-'} Live 0x0" for n, (rc, u) in self.mods.items()]
        (self.root / "proc/modules").write_text("\n".join(lines) + "\n")
        for n in self.mods:
            (self.root / "sys/module" / n).mkdir(parents=True, exist_ok=True)
            (self.root / "sys/module" / n / "srcversion").write_text(self.src if n == "nvidia" else "X")

    def process(self, pid: int, comm: str, *files: str):
        d = self.root / "proc" / str(pid) / "fd"
        d.mkdir(parents=True)
        (d.parent / "comm").write_text(comm + "\n")
        for i, f in enumerate(files):
            os.symlink(f, d / str(i))


class FakeRunner:
    """A recording runner for the fake host, passed where the CLI and providers pass runner.for_root(root):
    rmmod and modprobe change the fake /proc/modules; `missing` tools are not in the root."""

    def __init__(self, host: FakeHost, fail_on: str | None = None, missing: tuple[str, ...] = ()):
        self.host, self.fail_on, self.calls, self.missing = host, fail_on, [], missing
        self.root = str(host.root) if host else "/"

    def which(self, tool):
        return None if tool in self.missing else f"{self.root}/usr/sbin/{tool}"

    def run(self, argv, *, check=True):
        self.calls.append(list(argv))
        if argv[-1] == self.fail_on and argv[0] == "rmmod":
            raise CommandError(Result(list(argv), 1, "", f"rmmod: ERROR: Module {argv[-1]} is in use"))
        if argv[0] == "rmmod":
            self.host.mods.pop(argv[1])
        elif argv[0] == "modprobe":
            self.host.mods[argv[1]] = (0, [])
        self.host.write()
        return Result(list(argv), 0)


@pytest.fixture
def host(tmp_path):
    return FakeHost(tmp_path)


def test_unload_in_dependency_order(host):
    r = FakeRunner(host)
    rec = gpu.unload(r, str(host.root))
    assert r.calls == [["rmmod", "nvidia_drm"], ["rmmod", "nvidia_modeset"], ["rmmod", "nvidia_uvm"],
                       ["rmmod", "nvidia"]]
    assert rec == {"unloaded": ["nvidia_drm", "nvidia_modeset", "nvidia_uvm", "nvidia"],
                   "persistenced": False, "srcversion": "HOSTSRC"}
    assert "ext4" in host.mods


def test_refuses_when_a_process_holds_the_device_and_changes_nothing(host):
    host.process(4242, "python3", "/dev/nvidia0", "/dev/nvidiactl")
    host.mods["nvidia"] = (4, ["nvidia_uvm", "nvidia_modeset"])
    host.write()
    r = FakeRunner(host)
    with pytest.raises(Refused, match=r"process 4242 \(python3\) holds /dev/nvidia0"):
        gpu.unload(r, str(host.root))
    assert r.calls == []


def test_refuses_when_a_foreign_module_or_unknown_user_holds_it(host):
    host.mods["nvidia"] = (4, ["nvidia_uvm", "nvidia_modeset", "gdrdrv"])
    host.write()
    with pytest.raises(Refused, match="used by gdrdrv.*1 more user"):
        gpu.unload(FakeRunner(host), str(host.root))


def test_persistenced_is_stopped_and_restarted(host):
    host.process(77, "nvidia-persistenced", "/dev/nvidiactl")
    host.mods["nvidia"] = (3, ["nvidia_uvm", "nvidia_modeset"])
    host.write()
    r = FakeRunner(host)
    rec = gpu.unload(r, str(host.root))
    assert r.calls[0] == ["systemctl", "stop", "nvidia-persistenced"] and rec["persistenced"]
    (host.root / "proc/77/comm").write_text("bash\n")  # it stopped
    r.calls.clear()
    gpu.restore(rec, r, str(host.root))
    assert r.calls[-1] == ["systemctl", "start", "nvidia-persistenced"]


def test_failed_rmmod_loads_back_what_was_unloaded(host):
    r = FakeRunner(host, fail_on="nvidia_uvm")
    with pytest.raises(HostOpError, match="loaded back"):
        gpu.unload(r, str(host.root))
    assert r.calls[-2:] == [["modprobe", "nvidia_modeset"], ["modprobe", "nvidia_drm"]]
    assert {"nvidia_drm", "nvidia_modeset", "nvidia_uvm", "nvidia"} <= set(host.mods)


def test_a_load_back_that_fails_too_is_one_host_error_naming_both_failures_and_tries_every_step(host):
    # Seen by the kind-host twin: a CommandError from loading back escaped as a traceback.
    class LoadBackFails(FakeRunner):
        def run(self, argv, *, check=True):
            if argv[0] == "modprobe" and argv[1] == "nvidia_modeset":
                self.calls.append(list(argv))
                raise CommandError(Result(list(argv), 1, "", "modprobe: FATAL: Module nvidia_modeset not found"))
            return super().run(argv, check=check)
    r = LoadBackFails(host, fail_on="nvidia_uvm")
    with pytest.raises(HostOpError) as caught:
        gpu.unload(r, str(host.root))
    message = str(caught.value)
    assert "is in use" in message and "loading it back failed too: modprobe nvidia_modeset" in message
    assert r.calls[-1] == ["modprobe", "nvidia_drm"]  # the step after the failed one still ran


def test_restore_unloads_the_workers_modules_then_loads_the_hosts(host):
    r = FakeRunner(host)
    rec = gpu.unload(r, str(host.root))
    host.src = "WORKERSRC"  # the Kind worker loaded its own build under the same names
    host.mods.update({"nvidia": (1, ["nvidia_uvm"]), "nvidia_uvm": (0, [])})
    host.write()
    assert gpu.drift(rec, str(host.root)) == []
    r.calls.clear()
    gpu.restore(rec, r, str(host.root))
    assert r.calls == [["rmmod", "nvidia_uvm"], ["rmmod", "nvidia"], ["modprobe", "nvidia"],
                       ["modprobe", "nvidia_uvm"], ["modprobe", "nvidia_modeset"], ["modprobe", "nvidia_drm"]]


def test_restore_refuses_while_the_worker_still_uses_the_gpu(host):
    rec = gpu.unload(FakeRunner(host), str(host.root))
    host.src = "WORKERSRC"
    host.mods["nvidia"] = (1, [])
    host.write()
    host.process(9, "nv-hostengine", "/dev/nvidia0")
    r = FakeRunner(host)
    with pytest.raises(Refused, match="nv-hostengine"):
        gpu.restore(rec, r, str(host.root))
    assert r.calls == []


def test_host_modules_loaded_again_is_drift(host):
    rec = gpu.unload(FakeRunner(host), str(host.root))
    host.mods["nvidia"] = (0, [])
    host.write()  # same srcversion as before: the host's own build is back
    assert "loaded again" in gpu.drift(rec, str(host.root))[0]


def test_no_gpu_is_refused(tmp_path):
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/modules").write_text("")
    with pytest.raises(Refused, match="10de"):
        gpu.unload(FakeRunner.__new__(FakeRunner), str(tmp_path))


def test_host_facts(host):
    f = probe.host_facts(str(host.root))
    assert (f.cpu_model, f.cpu_sockets, f.gpu_model, f.gpu_pci) == ("Xeon Gold", 2, "NVIDIA H100 SXM5", "0000:3b:00.0")
    info = host.root / "proc/driver/nvidia/gpus/0000:3b:00.0"
    info.mkdir(parents=True)
    (info / "information").write_text("Model: \t\t NVIDIA H100 80GB HBM3\nIRQ: 1\n")
    assert probe.host_facts(str(host.root)).gpu_model == "NVIDIA H100 80GB HBM3"


def test_unload_without_rmmod_in_the_root_is_refused_before_any_change(host):
    r = FakeRunner(host, missing=("rmmod",))
    with pytest.raises(Refused, match=rf"failed to unload nvidia: rmmod not found"):
        gpu.unload(r, str(host.root))
    assert r.calls == [] and "nvidia" in host.mods


def test_restore_without_modprobe_in_the_root_is_refused_before_any_change(host):
    rec = gpu.unload(FakeRunner(host), str(host.root))
    r = FakeRunner(host, missing=("modprobe",))
    with pytest.raises(Refused, match="failed to load nvidia: modprobe not found under --root"):
        gpu.restore(rec, r, str(host.root))
    assert r.calls == [] and "nvidia" not in host.mods
