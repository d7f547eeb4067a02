"""Upstream material (controller checkout, add-on bundles, kind and Kubernetes sources): given or fetched."""
from __future__ import annotations

import os

import pulumi

from settings import SettingsError, pulumi_config
from settings.model import Settings

from .resolve import CACHE_ENV, cache_dir, provide

# "0": never fetch (the offline preview sets it unless --fetch); unset or "1": fetch what is missing.
FETCH_ENV = "OPENKASUGAI_AIO_FETCH"

__all__ = ["CACHE_ENV", "FETCH_ENV", "cache_dir", "provide", "with_sources"]


def with_sources(settings: Settings) -> Settings:
    """For the program: fill in upstream paths; problems raise SettingsError, warnings are logged."""
    fetch = os.environ.get(FETCH_ENV, "1") != "0"
    strict = not os.environ.get(pulumi_config.OFFLINE_ENV)
    settings, problems, warnings = provide(settings, fetch=fetch, strict=strict)
    if problems:
        raise SettingsError(problems)
    for warning in warnings:
        pulumi_config.LAST_WARNINGS.append(warning)
        pulumi.log.warn(warning)
    return settings
