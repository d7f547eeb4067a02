"""The nine all-in-one scenarios: where their data lives and what hardware they need."""
from __future__ import annotations

from dataclasses import dataclass

SAMPLE_DATA = "test/sample-data/sample-data-for-all-in-one"


@dataclass(frozen=True)
class Scenario:
    """One scenario of the controller's all-in-one sample data."""

    name: str
    namespace: str
    source: str  # folder relative to the controller checkout
    dataflow: str
    gpu: bool = False
    sriov: bool = False
    video: bool = True

    @property
    def needs(self) -> tuple[str, ...]:
        return tuple(n for n, on in (("GPU", self.gpu), ("SR-IOV", self.sriov)) if on)


def _video(name: str, gpu: bool = False, sriov: bool = False) -> Scenario:
    return Scenario(name, "cpufunc-sample", f"{SAMPLE_DATA}/cpugpu-func/{name}",
                    f"df-cpu-{name}", gpu=gpu, sriov=sriov)


CATALOG: dict[str, Scenario] = {s.name: s for s in (
    Scenario("calcapp-basic", "cpufunc-calcapp", f"{SAMPLE_DATA}/calc-func/basic",
             "df-calcapp", video=False),
    Scenario("calcapp-sriov", "cpufunc-calcapp", f"{SAMPLE_DATA}/calc-func/sriov",
             "df-calcapp-sriov", sriov=True, video=False),
    _video("p1c1"),
    _video("p1c2"),
    _video("p2c1", gpu=True),
    _video("p2c2", gpu=True),
    _video("p2c3", gpu=True, sriov=True),
    _video("p2c4", gpu=True),
    _video("p3c1", sriov=True),
)}
