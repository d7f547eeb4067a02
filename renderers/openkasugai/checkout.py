"""Reading YAML/JSON files of a controller checkout, with errors that name the config key."""
from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import yaml
from pulumi.errors import RunError


class CheckoutError(RunError, ValueError):
    """The controller checkout lacks a file or holds something unexpected (shown without a traceback)."""


def path(checkout: str | Path, rel: str, version: str = "v1.1.0") -> Path:
    p = Path(checkout) / rel
    if not p.is_file():
        raise CheckoutError(f"controllerCheckout: {checkout} has no {rel}; is it a {version} checkout "
                            f"(git clone -b {version} https://github.com/openkasugai/controller)?")
    return p


# libyaml's loader when PyYAML has it: the checkout's CRDs are large and the preview reads them all.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.lru_cache(maxsize=None)
def _parse(p: Path, mtime: float) -> tuple:
    return tuple(d for d in yaml.load_all(p.read_text(), Loader=_Loader) if d)


def load_yaml(checkout: str | Path, rel: str, version: str = "v1.1.0") -> list[dict[str, Any]]:
    """All non-empty documents of one YAML file (a fresh copy: callers may change them)."""
    p = path(checkout, rel, version)
    return copy.deepcopy(list(_parse(p, p.stat().st_mtime)))


def load_json(checkout: str | Path, rel: str, version: str = "v1.1.0") -> Any:
    p = path(checkout, rel, version)
    try:
        return json.loads(p.read_text())
    except json.JSONDecodeError as e:
        raise CheckoutError(f"controllerCheckout: {p} is not valid JSON: {e}") from e
