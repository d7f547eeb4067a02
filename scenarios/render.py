"""Renders one scenario's objects from the controller checkout, ready to apply (pure, no Pulumi).

The files are read from the configured checkout, never copied into this project. Rendering changes
only what this environment needs: function images, the GPU regionType, the await annotations and,
with multi-worker, the DataFlow's userRequirement (the all-in-one's kustomize patch).
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Mapping, Optional

from renderers.openkasugai.checkout import load_yaml

from .catalog import CATALOG, Scenario
from .images import ScenarioError, rewrite_images

FILES = {"configs": "cm-cpufunc-config.yaml", "infos": "functioninfo.yaml",
         "types": "functiontype.yaml", "chain": "functionchain.yaml", "dataflow": "df-cpufunc.yaml"}
# The controller sets .status.status; a FunctionChain created before its types are Ready goes to
# Error for good (it does not watch FunctionTypes), so both wait for Ready before dependents start.
READY = {"pulumi.com/waitFor": "jsonpath={.status.status}=Ready"}
USER_REQUIREMENT = "user-requirement"  # the ConfigMap the multi-worker DataFlows point at
CPU_REGION_TYPES = ("cpu",)


@dataclass(frozen=True)
class Rendered:
    scenario: Scenario
    function_configs: tuple[dict, ...]  # namespace default, read by the function agents
    function_infos: tuple[dict, ...]  # funcinfo-* in the scenario namespace
    function_types: tuple[dict, ...]
    chain: dict
    dataflow: dict

    @property
    def functions(self) -> dict[str, str]:
        """Function key -> functionName, e.g. {'send': 'calcapp-send', ...}."""
        return {k: v["functionName"] for k, v in self.chain["spec"]["functions"].items()}

    def info_of(self, function_type: dict) -> dict:
        ref = function_type["spec"]["functionInfoCMRef"]["name"]
        return _named(self.function_infos, ref, f"FunctionType {_name(function_type)}")

    def configs_of(self, info: dict) -> list[dict]:
        """The function-config ConfigMaps a functioninfo's deployableItems name (configName)."""
        names = dict.fromkeys(i["configName"] for i in _items(info))
        return [_named(self.function_configs, n, f"ConfigMap {_name(info)}") for n in names]

    def objects(self) -> list[dict]:
        return [*self.function_configs, *self.function_infos, *self.function_types, self.chain, self.dataflow]


def _name(obj: dict) -> str:
    return obj["metadata"]["name"]


def _named(objs, name: str, who: str) -> dict:
    for obj in objs:
        if _name(obj) == name:
            return obj
    raise ScenarioError(f"{who} refers to {name!r}, which the scenario's files do not define")


def _items(info: dict) -> list[dict]:
    try:
        return json.loads(info["data"]["deployableItems"])
    except (KeyError, json.JSONDecodeError) as e:
        raise ScenarioError(f"ConfigMap {_name(info)}: data.deployableItems is not a JSON list: {e}") from e


def _flatten(docs: list[dict]) -> list[dict]:
    out = []
    for d in docs:
        out.extend(d.get("items") or [] if d.get("kind") == "List" else [d])
    return out


def _config_with_images(cm: dict, images: Mapping[str, str]) -> dict:
    cm = copy.deepcopy(cm)
    where = f"ConfigMap default/{_name(cm)}"
    for key, text in cm.get("data", {}).items():
        try:
            entries = json.loads(text)
        except json.JSONDecodeError as e:
            raise ScenarioError(f"{where}: data[{key!r}] is not JSON: {e}") from e
        cm["data"][key] = json.dumps(rewrite_images(entries, images, where), indent=2) + "\n"
    return cm


def _info_for_gpu(info: dict, region_type: Optional[str]) -> dict:
    """The GPU functions ask for the host GPU's region type (known for a GPU scenario: settings check it)."""
    items = _items(info)
    gpu = [i for i in items if i.get("regionType") not in CPU_REGION_TYPES]
    if not gpu:
        return info
    for i in gpu:
        i["regionType"] = region_type
    info = copy.deepcopy(info)
    info["data"]["deployableItems"] = json.dumps(items, indent=2)
    return info


def _annotated(obj: dict, annotations: Mapping[str, str]) -> dict:
    obj = copy.deepcopy(obj)
    obj["metadata"].setdefault("annotations", {}).update(annotations)
    return obj


def render(name: str, checkout: str, images: Mapping[str, str], gpu_region_type: Optional[str] = None,
           multi_worker: bool = False, version: str = "v1.1.0") -> Rendered:
    """The scenario's objects with images, GPU regionType, awaits and (multi-worker) userRequirement set."""
    s = CATALOG[name]
    docs = {k: _flatten(load_yaml(checkout, f"{s.source}/{f}", version)) for k, f in FILES.items()}
    for key in ("chain", "dataflow"):
        if len(docs[key]) != 1:
            raise ScenarioError(f"controllerCheckout: {s.source}/{FILES[key]} should hold one object, "
                                f"holds {len(docs[key])}")
    dataflow = copy.deepcopy(docs["dataflow"][0])
    if multi_worker:
        dataflow["spec"]["userRequirement"] = USER_REQUIREMENT
    return Rendered(
        scenario=s,
        function_configs=tuple(_config_with_images(cm, images) for cm in docs["configs"]),
        function_infos=tuple(_info_for_gpu(i, gpu_region_type) for i in docs["infos"]),
        function_types=tuple(_annotated(t, READY) for t in docs["types"]),
        chain=_annotated(docs["chain"][0], READY),
        dataflow=dataflow)
