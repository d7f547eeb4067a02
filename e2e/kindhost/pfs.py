"""The twin's SR-IOV PFs: veth pairs standing in for each PF and its VFs, and their sysfs entries in the
fake root (sriov_totalvfs, sriov_numvfs, virtfnN links, sys/class/net), as the host tests make them
(tests/host/conftest.py FakeSriov). Writing sriov_numvfs in a fake tree creates nothing, so every VF's
veth exists from the start; the moves into and out of the node containers' netns are the real kernel's.
Names follow the stack (ens9f0np0 -> VFs ens9f0v0...); the peers carry a tag of the run (tw<pid>p<N>). A
name that exists already is refused, never taken over: the twin only ever removes what it made."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pyroute2 import IPRoute

TOTAL_VFS = 64


@dataclass
class Pfs:
    root: Path
    made: list[str] = field(default_factory=list)

    def add(self, index: int, pf: str, vfs: int) -> None:
        """PF `pf` at PCI 0000:<17+index>:00.0 with `vfs` VF veths named <pf without np...>v<N>."""
        bus = 0x17 + index
        pci = f"0000:{bus:02x}:00.0"
        dev = self.root / "sys/bus/pci/devices" / pci
        dev.mkdir(parents=True, exist_ok=True)
        (dev / "sriov_numvfs").write_text("0\n")
        (dev / "sriov_totalvfs").write_text(f"{TOTAL_VFS}\n")
        self._class(pf, pci)
        self._veth(pf)
        prefix = pf.split("np")[0] + "v"
        for v in range(vfs):
            vf_pci = f"0000:{bus:02x}:{2 + v // 8:02x}.{v % 8}"
            (self.root / "sys/bus/pci/devices" / vf_pci / "net" / f"{prefix}{v}").mkdir(parents=True, exist_ok=True)
            if not (dev / f"virtfn{v}").is_symlink():
                os.symlink(f"../{vf_pci}", dev / f"virtfn{v}")
            self._class(f"{prefix}{v}", vf_pci)
            self._veth(f"{prefix}{v}")

    def _class(self, name: str, pci: str) -> None:
        d = self.root / "sys/class/net" / name
        d.mkdir(parents=True, exist_ok=True)
        if not (d / "device").is_symlink():
            os.symlink(f"../../../bus/pci/devices/{pci}", d / "device")

    def _peer(self, i: int) -> str:
        return f"tw{os.getpid() % 100000}p{i}"

    def _veth(self, name: str) -> None:
        with IPRoute() as ipr:
            peer = self._peer(len(self.made))
            taken = [n for n in (name, peer) if ipr.link_lookup(ifname=n)]
            if taken:
                raise RuntimeError(f"the kind-host twin's PF stand-ins need the names {', '.join(taken)}, which this "
                                   "machine already has; the twin removes only what it made: free them first")
            ipr.link("add", ifname=name, kind="veth", peer={"ifname": peer})
        self.made.append(name)

    def in_host(self) -> list[str]:
        """The stand-ins now in the host's netns (the rest are in a node container's)."""
        with IPRoute() as ipr:
            here = {link.get_attr("IFLA_IFNAME") for link in ipr.get_links()}
        return sorted(n for n in self.made if n in here)

    def numvfs(self) -> dict[str, str]:
        return {d.name: (d / "sriov_numvfs").read_text().strip()
                for d in sorted((self.root / "sys/bus/pci/devices").glob("*")) if (d / "sriov_numvfs").exists()}

    def cleanup(self) -> None:
        """Every stand-in and peer, wherever it is (a link in a removed container's netns died with it)."""
        with IPRoute() as ipr:
            for i, name in enumerate(self.made):
                for n in (name, self._peer(i)):
                    for idx in ipr.link_lookup(ifname=n):
                        ipr.link("del", index=idx)
        self.made.clear()
