"""Reads the stack's config from the Pulumi runtime; the only place that touches Pulumi config."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from .load import load
from .model import Settings

# Set by the offline preview: files that only the kind-host has are then reported, not required.
OFFLINE_ENV = "OPENKASUGAI_AIO_OFFLINE"
# What the last load could not check here (offline preview only), for the preview to print.
LAST_WARNINGS: list[str] = []


def from_pulumi(host_gpu_uuid: Optional[str] = None, host_gpu_model: Optional[str] = None) -> Settings:
    """host_gpu_uuid, host_gpu_model: what this host's NVIDIA GPU reports (None when there is none)."""
    import pulumi
    from pulumi.runtime import config as rc

    # The SDK's public config API: the values the engine gave the program (CONFIG; the SDK has no function
    # that lists every key, and settings must see unknown ones) over the environment's, and which are secret.
    raw = {**rc.get_config_env(), **rc.CONFIG.get()}
    secret_keys = {key for key in raw if rc.is_config_secret(key)} | set(rc.get_config_secret_keys_env())
    LAST_WARNINGS.clear()
    settings = load(raw, stack=pulumi.get_stack(), base_dir=Path(os.getcwd()), secret_keys=secret_keys,
                    host_files=not os.environ.get(OFFLINE_ENV), warnings=LAST_WARNINGS,
                    host_gpu_uuid=host_gpu_uuid or "", host_gpu_model=host_gpu_model or "")
    for warning in LAST_WARNINGS:
        pulumi.log.warn(warning)
    return settings
