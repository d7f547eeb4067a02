"""Where each piece of upstream material comes from: the path a stack key gives, else the cache.

Material missing from the cache is fetched when fetching is allowed (`pulumi up`), reported as a
warning by the lenient offline preview, and an error otherwise. Cached material is verified on every
use (commit or SHA-256); a mismatch is an error naming the key, whatever the mode.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Mapping, Optional

from renderers.platform import manifests as addons
from settings.model import Settings

from . import pins
from .driver import StageError, staged
from .fetch import FetchError, Progress, fetch_file, fetch_git, git_head, sha256_file, stderr_progress

CACHE_ENV = "OPENKASUGAI_AIO_CACHE"
ADDONS_KEY = "addonManifests"
ADDON_NAMES = ", ".join(f"{b.name} {b.version}" for b in addons.BUNDLES)
WITHOUT = {
    "controllerCheckout": "the controller (CRDs, ConfigMaps, Deployments, agents), the function images and "
                          "the scenarios are not rendered",
    ADDONS_KEY: f"the add-on bundles ({ADDON_NAMES}) are not rendered; the objects rendered from the stack are",
    "kindSource": "the base image's tag is computed without kind's images/base",
    "kubernetesSource": "the node image's tag is computed without the Kubernetes tree",
}


def cache_dir(configured: str = "", env: Mapping[str, str] = os.environ) -> Path:
    """sourceCache, else $OPENKASUGAI_AIO_CACHE, else $XDG_CACHE_HOME/openkasugai-aio, else ~/.cache/..."""
    if configured:
        return Path(configured)
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV]).expanduser()
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "openkasugai-aio"


class _Resolver:
    def __init__(self, fetch: bool, strict: bool, progress: Progress):
        self.fetch, self.strict, self.progress = fetch, strict, progress
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def missing(self, key: str, message: str) -> None:
        if self.strict or self.fetch:
            self.problems.append(f"{key}: {message}")
        else:
            self.warnings.append(f"{key}: {message}; {WITHOUT[key]}")

    def git(self, pin: pins.GitPin, dest: Path, key: Optional[str] = None) -> str:
        """`dest` checked out at the pin, fetched if allowed; "" when not available."""
        key = key or pin.key
        if dest.exists():
            head = git_head(dest)
            if head == pin.commit:
                return str(dest)
            self.problems.append(f"{key}: the cached {dest} is at commit {head or '(none)'}, not {pin.tag}'s "
                                 f"pinned {pin.commit}; remove that folder to fetch it again")
            return ""
        if self.fetch:
            return self._fetched(key, lambda: fetch_git(key, pin.url, pin.tag, pin.commit, dest, self.progress))
        self.missing(key, f"not set, and {pin.url} {pin.tag} is not in the cache ({dest}); set {key} to a "
                     f"checkout, or fetch it with `python -m preview --fetch` or `pulumi up`")
        return ""

    def _fetched(self, key: str, fetch) -> str:
        try:
            return str(fetch())
        except FetchError as err:
            self.problems.append(str(err))
            return ""

    def addons(self, given: str, cache: Path, bundles: tuple[addons.Bundle, ...]) -> str:
        """The folder holding every bundle the stack applies (verified), or "" when one is not available."""
        folder = Path(given) if given else cache / "addons"
        ok = True
        for b in bundles:
            path = folder / b.local_name
            if b.kustomize:
                pin = pins.GitPin(ADDONS_KEY, b.name, b.url, b.version, b.commit)
                if given and not (path / b.folder).is_dir():
                    self.problems.append(f"{ADDONS_KEY}: {path} is not a checkout of {b.url} {b.version} "
                                         f"(no {b.folder})")
                    ok = False
                elif not given and not self.git(pin, path):
                    ok = False
                continue
            if path.is_file():
                got = sha256_file(path)
                if got != b.sha256:
                    self.problems.append(f"{ADDONS_KEY}: {path} has SHA-256 {got}, not the pinned {b.sha256} of "
                                         f"{b.name} {b.version}; replace it with {b.url}")
                    ok = False
            elif given:
                self.problems.append(f"{ADDONS_KEY}: {folder} has no {b.local_name} ({b.url})")
                ok = False
            elif self.fetch:
                ok = bool(self._fetched(ADDONS_KEY, lambda: fetch_file(ADDONS_KEY, b.url, b.sha256, path,
                                                                       self.progress))) and ok
            else:
                self.missing(ADDONS_KEY, f"not set, and the add-on bundles are not in the cache ({folder}); set "
                             f"{ADDONS_KEY} to a folder holding them, or fetch them with "
                             "`python -m preview --fetch` or `pulumi up`")
                return ""
        return str(folder) if ok else ""


def provide(s: Settings, *, fetch: bool, strict: bool,
            progress: Progress = stderr_progress) -> tuple[Settings, list[str], list[str]]:
    """Settings with every upstream path filled in; also (problems, warnings). Given paths are kept."""
    r = _Resolver(fetch, strict, progress)
    cache = cache_dir(s.source_cache)
    controller = s.controller
    if not controller.checkout:
        pin = pins.controller(controller.version)
        checkout = r.git(pin, cache / pin.name / pin.tag) if pin else ""
        controller = dataclasses.replace(controller, checkout=checkout)
    kind_source, kubernetes_source = s.kind_source, s.kubernetes_source
    if s.uses_kind and not kind_source:
        kind_source = r.git(pins.KIND, cache / pins.KIND.name / pins.KIND.tag)
    # A release build downloads kubernetesVersion's binaries itself: no Kubernetes tree is needed.
    if s.uses_kind and s.kubernetes_build == "source" and not kubernetes_source:
        pin = pins.kubernetes(s.kubernetes_version)
        if pin:
            kubernetes_source = r.git(pin, cache / pin.name / pin.tag)
        else:
            r.missing("kubernetesSource", f"no commit is pinned for kubernetesVersion {s.kubernetes_version} "
                      f"(pinned: {', '.join(pins.KUBERNETES_COMMITS)}); set kubernetesSource to a Kubernetes "
                      f"checkout at {s.kubernetes_version}")
    manifests = r.addons(s.addon_manifests, cache, addons.bundles_for(s.uses_kind, bool(s.sriov_workers)))
    driver = s.gpu_driver_file
    if driver and s.uses_kind and fetch and Path(driver).is_file():  # the offline preview writes nothing
        try:
            driver = staged("gpuDriverFile", driver, cache)
        except StageError as err:
            r.problems.append(str(err))
    out = dataclasses.replace(s, controller=controller, kind_source=kind_source,
                              kubernetes_source=kubernetes_source, addon_manifests=manifests,
                              gpu_driver_file=driver)
    return out, r.problems, r.warnings
