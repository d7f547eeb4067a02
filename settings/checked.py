"""What the validation step hands to the preflight step: every value parsed, no path looked at yet."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .model import ControllerSettings
from .parsed import Parsed


@dataclass
class Checked:
    """The stack config after decode, sections and rules; built without touching the filesystem."""

    parsed: Parsed
    scenarios: tuple[str, ...]
    prebuilt: tuple[tuple[str, str], ...]
    gpu_uuid: str
    hugepages_1g: int
    # checkout as configured; preflight resolves it. None: a controller key had a problem.
    controller: Optional[ControllerSettings]
    # The NVIDIA installer to look for; "" when none is needed or the value is already refused.
    gpu_driver_file: str = ""
    # Whether the function images are built from the checkout (so preflight looks for their sources).
    builds_functions: bool = False
    # (key, message): values only the kind-host must have; an error there, a warning offline.
    on_host: list[tuple[str, str]] = field(default_factory=list)

    @property
    def values(self) -> dict:
        return self.parsed.values
