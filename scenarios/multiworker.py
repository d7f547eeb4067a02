"""The multi-worker variant: Strategy and UserRequirement ConfigMaps per scenario namespace (pure).

Rendered here instead of read from the all-in-one (which hard-codes kind-worker/kind-worker2),
so that the node names follow the stack's cluster name. The scheduler reads `requestNodeNames`
(the install manual's `requestNodes` is a documentation error).
"""
from __future__ import annotations

from typing import Optional

import yaml

from .render import USER_REQUIREMENT

STRATEGY = "strategy"
FIRST, SECOND, GPU = "first", "second", "gpu"
# Which worker each function key runs on, as the all-in-one splits them.
SPLITS = {
    "cpufunc-calcapp": {"send": FIRST, "plus": FIRST, "minus": FIRST, "multiply": FIRST,
                        "divide": SECOND, "average": SECOND, "rcv": SECOND},
    "cpufunc-sample": {"pip": FIRST, "pipbr": SECOND, "dsa": GPU, "rcv": SECOND},
}


def strategy_configmap(namespace: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": STRATEGY, "namespace": namespace},
            "data": {"filterPipeline": "- GenerateCombinations\n- TargetResourceFit\n- TargetResourceFitScore\n",
                     "selectTop": "3"}}


def request_node_names(namespace: str, first: str, second: str, gpu: Optional[str] = None) -> dict[str, list[str]]:
    """Function key -> [node]; GPU functions go to the GPU worker (the first one when none is known)."""
    nodes = {FIRST: first, SECOND: second, GPU: gpu or first}
    return {key: [nodes[where]] for key, where in SPLITS[namespace].items()}


def user_requirement_configmap(namespace: str, first: str, second: str, gpu: Optional[str] = None) -> dict:
    names = request_node_names(namespace, first, second, gpu)
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": USER_REQUIREMENT, "namespace": namespace},
            "data": {"strategy": STRATEGY,
                     "requestNodeNames": yaml.safe_dump(names, sort_keys=False, default_flow_style=False)}}
