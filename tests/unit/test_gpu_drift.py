"""GPU drift and restore when the worker's driver is the same version as the host's (issue 17 item 6).

scripts/mod/sumversion.c hashes only the module's own source files, so the driver the GPU worker builds
from the same .run as the host's has the host's srcversion: srcversion alone cannot tell them apart."""
from __future__ import annotations

from host import gpu, gpu_handover
from host.contract import HostContext
from host.operation_provider import HostOperationProvider
from tests import roottools
from tests.unit.test_host_gpu import FakeHost, FakeRunner
from tests.unit.test_host_gpu_operation import host, props  # noqa: F401  (the fixture)


def _worker_boots_the_same_build(h):
    """The worker's nvidia-load-modules insmods its build: same names, same srcversion (HOSTSRC)."""
    h.mods.update({"nvidia": (2, ["nvidia_uvm", "nvidia_modeset"]), "nvidia_uvm": (0, []),
                   "nvidia_modeset": (0, [])})
    h.write()


def test_no_drift_while_the_gpu_worker_runs_with_the_same_driver_version(host):
    p, news = HostOperationProvider("gpu"), props(host)
    created = p.create(news)
    _worker_boots_the_same_build(host)
    host.worker_running = True
    read = p.read(created.id, created.outs).outs
    assert read["drift"] == [] and not p.diff(created.id, read, news).changes
    before = len(roottools.calls(host.root))
    p.update(created.id, read, news)
    host.sync()
    assert len(roottools.calls(host.root)) == before and "nvidia" in host.mods, "the worker's driver is never unloaded"


def test_the_hosts_driver_back_while_no_worker_runs_is_still_drift(host):
    p, news = HostOperationProvider("gpu"), props(host)
    created = p.create(news)
    _worker_boots_the_same_build(host)
    host.worker_running = False
    assert "loaded again" in p.read(created.id, created.outs).outs["drift"][0]


def test_restore_reloads_the_hosts_own_modules_over_a_same_version_worker_build(host):
    rec = gpu.unload(FakeRunner(host), str(host.root))
    _worker_boots_the_same_build(host)  # left loaded after `kind delete cluster`
    r = FakeRunner(host)
    gpu.restore(rec, r, str(host.root))
    assert r.calls == [["rmmod", "nvidia_modeset"], ["rmmod", "nvidia_uvm"], ["rmmod", "nvidia"],
                       ["modprobe", "nvidia"], ["modprobe", "nvidia_uvm"], ["modprobe", "nvidia_modeset"],
                       ["modprobe", "nvidia_drm"]]


def test_restore_leaves_the_hosts_version_alone_while_the_host_uses_it(host):
    rec = gpu.unload(FakeRunner(host), str(host.root))
    _worker_boots_the_same_build(host)
    host.process(31, "Xorg", "/dev/nvidia0")
    r = FakeRunner(host)
    gpu.restore(rec, r, str(host.root))
    assert r.calls == [["modprobe", "nvidia_drm"]]


def test_whether_the_worker_runs_is_asked_of_the_roots_own_docker(tmp_path):
    """Unpatched: the hand-over's status reads the GPU worker's container through the runner of its root
    (host.containers), here the root's own stand-in `docker`, never the host's."""
    h = FakeHost(tmp_path / "root")
    for tool, body in roottools.GPU_TOOLS.items():
        roottools.install(h.root, tool, body)
    spec = gpu_handover.GpuHandoverSpec(stack="alice", worker="kind-worker", claims_dir=str(tmp_path / "claims"),
                                        root=str(h.root))
    ctx = HostContext.for_root(str(h.root), spec.claims_dir)
    rec = gpu_handover.apply(spec, None, ctx)
    _worker_boots_the_same_build(h)
    roottools.install(h.root, "docker", 'print(json.dumps([{"State": {"Running": True, "Pid": 4242}}]))',
                      folder="usr/bin")
    assert gpu_handover.status(spec, rec, ctx)["drift"] == []
    assert ["docker", "inspect", "--type", "container", "--", "kind-worker"] in roottools.calls(h.root)
