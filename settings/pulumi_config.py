"""Reads the stack's config from the Pulumi runtime; the only place that touches Pulumi config."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, TypeVar

from .load import load
from .model import Settings
from .schema import KEYS, PROJECT

# Set by the offline preview: files that only the kind-host has are then reported, not required.
OFFLINE_ENV = "OPENKASUGAI_AIO_OFFLINE"
# What the last load could not check here (offline preview only), for the preview to print.
LAST_WARNINGS: list[str] = []

Facts = TypeVar("Facts")


def from_pulumi(read_host: Callable[[str, str, str], Facts]) -> tuple[Settings, Facts]:
    """The stack's Settings and the facts of its host, read by `read_host(root, claims_dir, stack)` (the
    host facts of host.probe: a `gpu_uuid` and a `gpu_model`, None when the host does not
    tell). The host is the one hostRoot names, its claims those in hostClaimsDir, as configured: the
    GPU's identity may come from this stack's own claim once its `up` has unloaded the driver."""
    import pulumi
    from pulumi.runtime import config as rc

    # The SDK's public config API: the values the engine gave the program (CONFIG; the SDK has no function
    # that lists every key, and settings must see unknown ones) over the environment's, and which are secret.
    raw = {**rc.get_config_env(), **rc.CONFIG.get()}
    secret_keys = {key for key in raw if rc.is_config_secret(key)} | set(rc.get_config_secret_keys_env())
    stack = pulumi.get_stack()
    root, claims_dir = host_place(raw)
    facts = read_host(root or "/", claims_dir, stack)
    LAST_WARNINGS.clear()
    # An unusable hostRoot is settings' one problem to report: nothing was looked at there.
    looked = root is not None
    settings = load(raw, stack=stack, base_dir=Path(os.getcwd()), secret_keys=secret_keys,
                    host_files=not os.environ.get(OFFLINE_ENV), warnings=LAST_WARNINGS,
                    host_gpu_uuid=(facts.gpu_uuid or "") if looked else None,
                    host_gpu_model=(facts.gpu_model or "") if looked else None)
    for warning in LAST_WARNINGS:
        pulumi.log.warn(warning)
    return settings, facts


def host_place(raw: Mapping[str, Any]) -> tuple[Optional[str], str]:
    """(hostRoot, hostClaimsDir) as configured, before validation: the root None unless it is an existing
    absolute folder (validation names what is wrong with it)."""
    def value(key: str) -> Any:
        given = raw.get(f"{PROJECT}:{key}")
        return KEYS[key].default if given in (None, "") else given
    root, claims_dir = value("hostRoot"), value("hostClaimsDir")
    usable = isinstance(root, str) and root.startswith("/") and Path(root).is_dir()
    return (root if usable else None), (claims_dir if isinstance(claims_dir, str) else KEYS["hostClaimsDir"].default)
