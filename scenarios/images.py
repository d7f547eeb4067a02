"""Pointing the sample data's function images at the images this stack built.

Upstream writes `localhost/cpufunc_calcapp:latest`, the all-in-one Makefile rewrote only that exact
text; matching by image *name* keeps working whatever registry or tag a controller release uses.
"""
from __future__ import annotations

from typing import Any, Mapping

from pulumi.errors import RunError


class ScenarioError(RunError, ValueError):
    """Scenario data that cannot be rendered; the message names the file or object and what to do.

    A RunError, so that `pulumi up` shows the message without a Python traceback.
    """


def image_name(ref: str) -> str:
    """`localhost/cpufunc_gst:1.1.0` -> `cpufunc_gst` (registry, path, tag and digest dropped)."""
    ref = ref.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    return last.split(":", 1)[0]


def rewrite_image(ref: str, images: Mapping[str, str], where: str) -> str:
    name = image_name(ref)
    if name in images:
        return images[name]
    if ref.startswith("localhost/"):
        raise ScenarioError(f"{where}: image {ref!r} is not one this stack builds "
                            f"({', '.join(sorted(images)) or 'none'}); it would never be pulled")
    return ref


def rewrite_images(value: Any, images: Mapping[str, str], where: str) -> Any:
    """A copy of `value` (JSON-like) with every `image`/`imageURI` string rewritten."""
    if isinstance(value, dict):
        return {k: rewrite_image(v, images, where) if k in ("image", "imageURI") and isinstance(v, str)
                else rewrite_images(v, images, where) for k, v in value.items()}
    if isinstance(value, list):
        return [rewrite_images(v, images, where) for v in value]
    return value
