"""The GPU's UUID and model from the NVIDIA driver's procfs file (issue 9, item 4), with a fake root."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from host import gpu_identity, probe

PCI = "0000:3b:00.0"
UUID = "GPU-5c4b8e1f-2a3d-4e6f-8a9b-0c1d2e3f4a5b"
# The lines nv_procfs_read_gpu_info writes (NVIDIA open-gpu-kernel-modules kernel-open/nvidia/nv-procfs.c):
# "Model: \t\t %s", "IRQ:   \t\t %d", "GPU UUID: \t %s", ..., "Bus Location: \t %04x:%02x:%02x.%x".
INFORMATION = (f"Model: \t\t NVIDIA H100 80GB HBM3\nIRQ:   \t\t 146\nGPU UUID: \t {UUID}\n"
               "Video BIOS: \t 96.00.99.00.01\nBus Type: \t PCIe\nDMA Size: \t 52 bits\n"
               "DMA Mask: \t 0xfffffffffffff\nBus Location: \t 0000:3b:00.0\nDevice Minor: \t 0\n"
               "GPU Firmware: \t 550.90.12\nGPU Excluded:\t No\n")
PROJECT = Path(__file__).resolve().parents[2]


def fake_root(tmp_path: Path, information: str | None = INFORMATION) -> Path:
    dev = tmp_path / "sys/bus/pci/devices" / PCI
    dev.mkdir(parents=True)
    for f, v in {"vendor": "0x10de", "class": "0x030200", "device": "0x2330"}.items():
        (dev / f).write_text(v + "\n")
    (tmp_path / "proc").mkdir(exist_ok=True)
    (tmp_path / "proc/modules").write_text("")
    if information is not None:
        info = tmp_path / gpu_identity.INFORMATION.format(pci=PCI)
        info.parent.mkdir(parents=True)
        info.write_text(information)
    return tmp_path


def test_uuid_and_model_come_from_the_drivers_information_file(tmp_path):
    root = str(fake_root(tmp_path))
    assert gpu_identity.identity(PCI, root) == {"model": "NVIDIA H100 80GB HBM3", "uuid": UUID}
    assert gpu_identity.information(PCI, root)["Bus Location"] == PCI
    f = probe.host_facts(root)
    assert (f.gpu_pci, f.gpu_model, f.gpu_uuid) == (PCI, "NVIDIA H100 80GB HBM3", UUID)


def test_without_a_loaded_driver_the_uuid_is_unknown_never_made_up(tmp_path):
    root = str(fake_root(tmp_path, information=None))
    f = probe.host_facts(root)
    assert f.gpu_uuid is None and f.gpu_model == "NVIDIA H100 SXM5"  # the model from the PCI device id


def test_a_uuid_the_driver_could_not_read_is_unknown(tmp_path):
    root = str(fake_root(tmp_path, INFORMATION.replace(UUID, "GPU-????????")))
    assert gpu_identity.identity(PCI, root)["uuid"] is None


def test_gpu_status_reports_uuid_and_model_on_the_standard_library_only(tmp_path):
    # The lead runs this read-only discovery on a real GPU host with the system python3: no pyroute2,
    # no pulumi may be imported on this path.
    root = fake_root(tmp_path)
    code = ("import sys; sys.modules.update(pyroute2=None, pulumi=None, yaml=None); "
            "from host.cli import main; sys.exit(main(sys.argv[1:]))")
    out = subprocess.run([sys.executable, "-c", code, "gpu", "status", "--json", "--root", str(root)],
                         cwd=PROJECT, capture_output=True, text=True, check=True).stdout
    (g,) = json.loads(out)["gpus"]
    assert (g["pci"], g["model"], g["uuid"]) == (PCI, "NVIDIA H100 80GB HBM3", UUID)
    text = subprocess.run([sys.executable, "-c", code, "gpu", "status", "--root", str(root)],
                          cwd=PROJECT, capture_output=True, text=True, check=True).stdout
    assert f"uuid={UUID}" in text


def test_doctor_shows_the_gpu_uuid_and_warns_when_no_driver_tells_it(tmp_path):
    from host import doctor
    from tests.unit.test_host_doctor import FakeRunner, closed_port, fake_root as doctor_root, settings_of, stack_file
    s = settings_of(stack_file(tmp_path, closed_port()))
    root = doctor_root(tmp_path)
    check = {c["check"]: c for c in doctor.stack_checks(s, FakeRunner({}), str(root))}["gpu-worker"]
    assert check["ok"] is True and check["detail"].endswith("GPU-5c4b8e1f-2a3d-4e6f-8a9b-0c1d2e3f4a5b")
    (root / "proc/driver/nvidia/gpus/0000:ca:00.0/information").unlink()  # handed over, no worker running
    check = {c["check"]: c for c in doctor.stack_checks(s, FakeRunner({}), str(root))}["gpu-worker"]
    assert check["ok"] is None and "set hostGpuUuid" in check["detail"]


def test_doctor_does_not_look_for_an_external_clusters_gpu_on_this_host(tmp_path):
    from host import doctor
    from tests.unit.test_host_doctor import FakeRunner, closed_port, settings_of
    import yaml
    from tests.harness import STACKS, kind_host_checkout
    cfg = yaml.safe_load((STACKS / "external-gpu.yaml").read_text())
    cfg["config"].update({"openkasugai-aio:controllerCheckout": str(kind_host_checkout(tmp_path)),
                          "openkasugai-aio:externalKubeconfig": str(STACKS / "external-kubeconfig.yaml")})
    cfg["config"]["openkasugai-aio:registry"]["caFile"] = str(STACKS / "external-ca.crt")
    path = tmp_path / "Pulumi.ext.yaml"
    path.write_text(yaml.safe_dump(cfg))
    s = settings_of(path)
    assert s.gpu_worker.node == "node-a"
    checks = doctor.stack_checks(s, FakeRunner({}), str(tmp_path), registry=closed_port())
    assert "gpu-worker" not in {c["check"] for c in checks}
