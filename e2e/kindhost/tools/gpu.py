"""STAND-IN GPU tools of the fake root: rmmod, modprobe, insmod, systemctl (nvidia-persistenced) and
nvidia-smi, acting on the tree's /proc/modules, /sys/module, the driver's procfs files and fake processes,
as the kernel and the tools do on the reference host:

- rmmod NAME: refused while the module is used (`rmmod: ERROR: Module NAME is in use[ by: USERS]`), or
  not loaded; removes the driver's /proc/driver/nvidia with `nvidia` (kmod's rmmod, the kernel's
  delete_module: a use count above 0 is EWOULDBLOCK);
- modprobe NAME: loads the host's own build (lib/modules/host-build.json: its srcversion), the modules it
  uses first; a module already loaded is no error (kmod's modprobe);
- insmod FILE: loads exactly that file, `File exists` when a module of that name is loaded (kmod's insmod,
  EEXIST from init_module); what the GPU worker's nvidia-modules.service runs at boot (Kernel.worker_boot);
- systemctl start|stop|is-active nvidia-persistenced: the daemon is a fake process holding /dev/nvidiactl;
- nvidia-smi -L: the GPU and its UUID while the driver is loaded.

Usage: python -m e2e.kindhost.tools.gpu ROOT TOOL [ARGS...] (the fake root's usr/sbin scripts call it).
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

GPU_PCI = "0000:3b:00.0"
GPU_MODEL = "NVIDIA A100 80GB PCIe"
GPU_UUID = "GPU-7a1c3e5f-2b4d-4c6e-8f0a-1b2c3d4e5f60"
DRIVER = "550.90.12"
# name -> the modules it uses (modprobe loads those first; each user counts in the used module's refcount)
NVIDIA_DEPS = {"nvidia": [], "nvidia_modeset": ["nvidia"], "nvidia_uvm": ["nvidia"], "nvidia_drm": ["nvidia_modeset"],
               "nvidia_peermem": ["nvidia"]}
PERSISTENCED = "nvidia-persistenced"
PERSISTENCED_PID = 3900001  # fake pids: far above the default pid_max, never a real process's
WORKER_PID = 3900002  # the GPU worker's device plugin, holding /dev/nvidia0 while the worker runs


class ToolError(Exception):
    def __init__(self, message: str, rc: int = 1):
        super().__init__(message)
        self.rc = rc


def information(model: str = GPU_MODEL, uuid: str = GPU_UUID) -> str:
    """The driver's per-GPU procfs file, as nv_procfs_read_gpu_info writes it."""
    return (f"Model: \t\t {model}\nIRQ:   \t\t 146\nGPU UUID: \t {uuid}\nVideo BIOS: \t 92.00.9e.00.01\n"
            f"Bus Type: \t PCIe\nBus Location: \t {GPU_PCI}\nDevice Minor: \t 0\nGPU Firmware: \t {DRIVER}\n")


class Kernel:
    """The fake root's module table and processes."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def modules(self) -> dict[str, list]:
        out = {}
        for line in (self.root / "proc/modules").read_text().splitlines():
            f = line.split()
            if len(f) >= 5:
                out[f[0]] = [f[1], int(f[2]), [u for u in f[3].split(",") if u and u != "-"]]
        return out

    def _write(self, mods: dict[str, list]) -> None:
        (self.root / "proc/modules").write_text("".join(
            f"{n} {size} {rc} {','.join(users) + ',' if users else '-'} Live 0x0\n" for n, (size, rc, users) in mods.items()))

    def _count(self, name: str, delta: int) -> None:
        mods = self.modules()
        if name in mods:
            mods[name][1] += delta
            self._write(mods)

    def load(self, name: str, srcversion: str, with_deps: bool = True) -> None:
        mods = self.modules()
        if name in mods:
            raise ToolError(f"insmod: ERROR: could not insert module {name}.ko: File exists")
        for dep in NVIDIA_DEPS.get(name, []):
            if dep not in mods:
                if not with_deps:
                    raise ToolError(f"insmod: ERROR: could not insert module {name}.ko: Unknown symbol in module")
                self.load(dep, srcversion)
                mods = self.modules()
            mods[dep][1] += 1
            mods[dep][2].append(name)
        mods[name] = ["1000", 0, []]
        self._write(mods)
        (self.root / "sys/module" / name).mkdir(parents=True, exist_ok=True)
        (self.root / "sys/module" / name / "srcversion").write_text(srcversion + "\n")
        if name == "nvidia":
            info = self.root / "proc/driver/nvidia/gpus" / GPU_PCI / "information"
            info.parent.mkdir(parents=True, exist_ok=True)
            info.write_text(information())

    def unload(self, name: str) -> None:
        mods = self.modules()
        if name not in mods:
            raise ToolError(f"rmmod: ERROR: Module {name} is not currently loaded")
        _, refcount, users = mods[name]
        if refcount:
            raise ToolError(f"rmmod: ERROR: Module {name} is in use" + (f" by: {' '.join(users)}" if users else ""))
        del mods[name]
        for dep in NVIDIA_DEPS.get(name, []):
            if dep in mods:
                mods[dep][1] -= 1
                mods[dep][2] = [u for u in mods[dep][2] if u != name]
        self._write(mods)
        shutil.rmtree(self.root / "sys/module" / name, ignore_errors=True)
        if name == "nvidia":
            shutil.rmtree(self.root / "proc/driver/nvidia", ignore_errors=True)

    def _process(self, pid: int, comm: str, device: str) -> None:
        fd = self.root / "proc" / str(pid) / "fd"
        fd.mkdir(parents=True, exist_ok=True)
        (fd.parent / "comm").write_text(comm + "\n")
        if not (fd / "3").is_symlink():
            os.symlink(device, fd / "3")
            self._count("nvidia", 1)  # an open device file holds the module

    def _end(self, pid: int) -> bool:
        folder = self.root / "proc" / str(pid)
        if not folder.exists():
            return False
        shutil.rmtree(folder)
        self._count("nvidia", -1)
        return True

    def start_persistenced(self) -> None:
        if "nvidia" not in self.modules():
            raise ToolError(f"Job for {PERSISTENCED}.service failed: the NVIDIA driver is not loaded", 1)
        self._process(PERSISTENCED_PID, PERSISTENCED, "/dev/nvidiactl")

    def stop_persistenced(self) -> None:
        self._end(PERSISTENCED_PID)

    def persistenced(self) -> bool:
        return (self.root / "proc" / str(PERSISTENCED_PID)).exists()

    def worker_boot(self, srcversion: str) -> None:
        """The GPU worker's nvidia-modules.service (components/dockerfiles/acc/files/nvidia-load-modules):
        each of nvidia, nvidia_uvm, nvidia_modeset not loaded yet is insmod'ed from the image's own build
        (already loaded ones are kept); then its device plugin opens the GPU."""
        for name in ("nvidia", "nvidia_uvm", "nvidia_modeset"):
            if name not in self.modules():
                self.load(name, srcversion, with_deps=False)
        self._process(WORKER_PID, "nvidia-device-plugin", "/dev/nvidia0")

    def worker_stop(self) -> None:
        """The worker's container is gone: its processes end; the modules it loaded stay in the kernel."""
        self._end(WORKER_PID)


def main(argv: list[str]) -> int:
    root, tool, args = Path(argv[0]), argv[1], argv[2:]
    k = Kernel(root)
    try:
        if tool == "rmmod":
            for name in [a for a in args if not a.startswith("-")]:
                k.unload(name)
        elif tool == "modprobe":
            host = json.loads((root / "lib/modules/host-build.json").read_text())
            for name in [a for a in args if not a.startswith("-")]:
                if name not in k.modules():
                    k.load(name, host["srcversion"])
        elif tool == "insmod":
            path = root / args[0].lstrip("/")
            if not path.is_file():
                raise ToolError(f"insmod: ERROR: could not load module {args[0]}: No such file or directory")
            k.load(path.name.removesuffix(".ko"), path.read_text().strip(), with_deps=False)
        elif tool == "systemctl":
            action, unit = args[0], args[1].removesuffix(".service") if len(args) > 1 else ""
            if unit != PERSISTENCED:
                raise ToolError(f"Failed to {action} {unit}.service: Unit {unit}.service not found.", 5)
            if action == "start":
                k.start_persistenced()
            elif action == "stop":
                k.stop_persistenced()
            elif action == "is-active":
                print("active" if k.persistenced() else "inactive")
                return 0 if k.persistenced() else 3
        elif tool == "nvidia-smi":
            if "nvidia" not in k.modules():
                raise ToolError("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
                                "Make sure that the latest NVIDIA driver is installed and running.", 9)
            print(f"GPU 0: {GPU_MODEL} (UUID: {GPU_UUID})")
        else:
            raise ToolError(f"{tool}: not a tool of the twin's fake root", 127)
    except ToolError as err:
        print(err, file=sys.stderr)
        return err.rc
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
