"""A PF's SR-IOV files in sysfs under an injectable root (tests point it at a fake tree)."""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from facts.shared import IFNAME_PATTERN, PCI_ADDRESS_PATTERN

from .errors import HostOpError


@dataclass(frozen=True)
class Vf:
    index: int
    pci: str
    netdev: str | None  # None while the netdev is in another netns or not created yet


class _NotFound(HostOpError):
    """No such PF under the root (exists() says False; a path out of the root is an error, never False)."""


class Sysfs:
    """Reads and writes a PF's SR-IOV files. A PF is found by netdev name, or by PCI address
    once its netdev has left the host netns (sysfs only shows this netns's netdevs)."""

    def __init__(self, root: str = "/"):
        self.root = Path(root)

    def _inside(self, path: Path, what: str) -> Path:
        """path, once every link in it is resolved, inside root/sys: nothing read or written here ever
        lands outside the root it was given (a name or PCI address from a record included)."""
        top = os.path.realpath(self.root / "sys")
        if not os.path.realpath(path).startswith(top + os.sep):
            raise HostOpError(f"failed to find PF {what}: {path} resolves to {os.path.realpath(path)}, "
                              f"outside {top}; refusing to touch it")
        return path

    def _dev(self, pf: str, pci: str | None = None) -> Path:
        if not re.fullmatch(IFNAME_PATTERN, str(pf)) or pf in (".", ".."):
            raise HostOpError(f"failed to find PF {str(pf)[:100]!r}: not an interface name")
        if pci is not None and not re.fullmatch(PCI_ADDRESS_PATTERN, str(pci), re.ASCII):
            raise HostOpError(f"failed to find PF {pf!r}: {str(pci)[:100]!r} is not a PCI address like 0000:17:00.0")
        by_name = self.root / "sys/class/net" / pf / "device"
        if by_name.exists():
            return self._inside(by_name, repr(pf))
        if pci and (self.root / "sys/bus/pci/devices" / pci).exists():
            return self._inside(self.root / "sys/bus/pci/devices" / pci, repr(pf))
        raise _NotFound(f"failed to find PF {pf!r}: no {by_name} (is the name right, or is it "
                        f"in another netns? pass its PCI address)")

    def exists(self, pf: str, pci: str | None = None) -> bool:
        try:
            self._dev(pf, pci)
            return True
        except _NotFound:
            return False

    def pci_of(self, ifname: str) -> str | None:
        dev = self.root / "sys/class/net" / ifname / "device"
        pci = os.path.basename(os.path.realpath(dev)) if dev.exists() else None
        return pci if pci and re.fullmatch(PCI_ADDRESS_PATTERN, pci, re.ASCII) else None

    def is_sriov(self, pf: str, pci: str | None = None) -> bool:
        return (self._dev(pf, pci) / "sriov_totalvfs").exists()

    def numvfs(self, pf: str, pci: str | None = None) -> int:
        return int((self._dev(pf, pci) / "sriov_numvfs").read_text().strip() or 0)

    def totalvfs(self, pf: str, pci: str | None = None) -> int:
        return int((self._dev(pf, pci) / "sriov_totalvfs").read_text().strip() or 0)

    def vfs(self, pf: str, pci: str | None = None) -> list[Vf]:
        dev = self._dev(pf, pci)
        out = []
        for link in dev.glob("virtfn*"):
            index = int(link.name[len("virtfn"):])
            net = link / "net"
            names = sorted(p.name for p in net.iterdir()) if net.is_dir() else []
            out.append(Vf(index, os.path.basename(os.path.realpath(link)), names[0] if names else None))
        return sorted(out, key=lambda v: v.index)

    def set_numvfs(self, pf: str, n: int, pci: str | None = None) -> bool:
        """Converge sriov_numvfs to n; the kernel refuses N→M directly, so write 0 first."""
        path = self._dev(pf, pci) / "sriov_numvfs"
        cur = self.numvfs(pf, pci)
        if cur == n:
            return False
        total = self.totalvfs(pf, pci)
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= total:
            # Checked before the 0 is written: that write destroys the current VFs.
            raise HostOpError(f"failed to set sriov_numvfs of {pf} to {n!r}: not a count from 0 to "
                              f"sriov_totalvfs {total}; its {cur} VFs are unchanged")
        try:
            if cur:
                path.write_text("0")
            if n:
                path.write_text(str(n))
        except OSError as err:
            if cur:  # the kernel refused N after 0 was written: give the PF its count back
                try:
                    path.write_text(str(cur))
                except OSError:
                    pass
            raise HostOpError(f"failed to set sriov_numvfs of {pf} to {n}: {err}") from err
        return True

    def wait_vf_netdevs(self, pf: str, n: int, timeout: float = 15.0, pci: str | None = None) -> list[Vf]:
        """Wait until VFs 0..n-1 have netdevs: the driver creates them after the write returns."""
        deadline = time.monotonic() + timeout
        while True:
            vfs = [v for v in self.vfs(pf, pci) if v.index < n]
            if len(vfs) == n and all(v.netdev for v in vfs):
                return vfs
            if time.monotonic() > deadline:
                missing = sorted(set(range(n)) - {v.index for v in vfs if v.netdev})
                raise HostOpError(f"failed to see VF netdevs {missing} of {pf} within {timeout}s: "
                                  f"is the VF driver loaded (or bound to vfio-pci)?")
            time.sleep(0.05)
