"""Renders the kind v1alpha4 cluster config from the settings (pure, no Pulumi)."""
from __future__ import annotations

from typing import Any

import yaml

from components.constants import VIDEO_NODE_PATH
from components.settings import Settings

CRIO_SOCKET = "unix:///var/run/crio/crio.sock"
REGISTRIES_CONF_NODE_PATH = "/etc/containers/registries.conf.d/50-openkasugai-aio.conf"


def local_registry_name(cluster: str) -> str:
    return f"{cluster}-registry"


def registries_conf(settings: Settings) -> str:
    """CRI-O's view of the embedded registry: pushed as localhost:PORT, pulled over the kind network."""
    reg = settings.registry
    return (f'[[registry]]\nlocation = "localhost:{reg.local_port}"\ninsecure = true\n\n'
            f'[[registry.mirror]]\nlocation = "{local_registry_name(settings.cluster_name)}:5000"\n'
            f'insecure = true\n')


def _patch(kind: str) -> str:
    return yaml.safe_dump({"kind": kind, "nodeRegistration": {"criSocket": CRIO_SOCKET}}, sort_keys=False)


def _trust_mounts(settings: Settings, registries_conf_path: str) -> list[dict[str, Any]]:
    reg = settings.registry
    if reg.embedded:
        return [{"hostPath": registries_conf_path, "containerPath": REGISTRIES_CONF_NODE_PATH, "readOnly": True}]
    # containers/image (CRI-O) reads a registry's CA from certs.d/<host>/ca.crt.
    return [{"hostPath": reg.ca_file, "containerPath": f"/etc/containers/certs.d/{reg.host}/ca.crt",
             "readOnly": True}]


def render(settings: Settings, images: dict[str, str], registries_conf_path: str = "") -> dict[str, Any]:
    """The config for `kind create cluster --config -`.

    images: "no-acc" (control plane and plain workers) and "acc" (the GPU worker) references.
    """
    trust = _trust_mounts(settings, registries_conf_path)
    nodes = [{"role": "control-plane", "image": images["no-acc"],
              "kubeadmConfigPatches": [_patch("InitConfiguration")], "extraMounts": list(trust)}]
    for i, worker in enumerate(settings.workers):
        mounts = list(trust)
        if worker == settings.video_worker and settings.video_dir:
            mounts.append({"hostPath": settings.video_dir, "containerPath": VIDEO_NODE_PATH, "readOnly": True})
        nodes.append({"role": "worker", "image": images["acc" if worker.gpu else "no-acc"],
                      "kubeadmConfigPatches": [_patch("JoinConfiguration")], "extraMounts": mounts})
    return {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "name": settings.cluster_name,
        # Calico replaces kindnet (installed by the platform add-ons).
        "networking": {"podSubnet": settings.pod_subnet, "disableDefaultCNI": True},
        "nodes": nodes,
    }


class _Dumper(yaml.SafeDumper):
    """No anchors for shared mounts, and kubeadm patches as readable literal blocks."""

    def ignore_aliases(self, data):
        return True


_Dumper.add_representer(str, lambda d, s: d.represent_scalar(
    "tag:yaml.org,2002:str", s, style="|" if "\n" in s else None))


def render_yaml(settings: Settings, images: dict[str, str], registries_conf_path: str = "") -> str:
    return yaml.dump(render(settings, images, registries_conf_path), Dumper=_Dumper, sort_keys=False)
