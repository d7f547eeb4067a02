"""Facts the whole program shares, each written once: paths, names, pools, claim keys, context names.

The bottom layer: imports nothing of the project. docs/design.md lists where each fact is used.
"""
from __future__ import annotations

from pathlib import Path

# The project's root: Pulumi.yaml, the stack files and __main__.py live here.
PROJECT_DIR = Path(__file__).resolve().parents[1]
