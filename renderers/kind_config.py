"""Renders the kind v1alpha4 cluster config from the settings (pure, no Pulumi)."""
from __future__ import annotations

from typing import Any

import yaml

from facts.shared import VIDEO_NODE_PATH
from settings import Settings

CRIO_SOCKET = "unix:///var/run/crio/crio.sock"
REGISTRIES_CONF_NODE_PATH = "/etc/containers/registries.conf.d/50-openkasugai-aio.conf"


def local_registry_name(cluster: str) -> str:
    return f"{cluster}-registry"


# The registries of the images a node pulls before any add-on is applied (kubeadm's control plane, CRI-O's
# pause image, CoreDNS: registry.k8s.io) and of the add-on images (docker.io, ghcr.io, quay.io).
MIRRORED_REGISTRIES = ("registry.k8s.io", "docker.io", "ghcr.io", "quay.io")


def registries_conf(settings: Settings) -> str:
    """CRI-O's registries.conf drop-in, or "" when the stack needs none.

    The embedded registry: pushed as localhost:PORT, pulled over the kind network. imageMirror: tried
    first for every image of MIRRORED_REGISTRIES, with the same path as the add-on images are rewritten
    to (<mirror>/calico/node for docker.io/calico/node), so that the CRI-O nodes, which start with no
    image (docs/facts.md §8.9), pull the control plane's images from the mirror too."""
    reg, out = settings.registry, []
    if reg.embedded:
        out.append(f'[[registry]]\nlocation = "localhost:{reg.local_port}"\ninsecure = true\n\n'
                   f'[[registry.mirror]]\nlocation = "{local_registry_name(settings.cluster_name)}:5000"\n'
                   f'insecure = true\n')
    mirror = settings.image_mirror.rstrip("/")
    for registry in MIRRORED_REGISTRIES if mirror else ():
        out.append(f'[[registry]]\nprefix = "{registry}"\nlocation = "{registry}"\n\n'
                   f'[[registry.mirror]]\nlocation = "{mirror}"\n')
    return "\n".join(out)


def local_registry_hosting(cluster_name: str, port: int) -> dict[str, Any]:
    """The embedded registry documented as kind documents its own (KEP-1755, docs/facts.md §8.10): tools
    such as Tilt read the ConfigMap kube-public/local-registry-hosting to know where to push."""
    hosting = (f'host: "localhost:{port}"\nhostFromContainerRuntime: "localhost:{port}"\n'
               f'hostFromClusterNetwork: "{local_registry_name(cluster_name)}:5000"\n'
               'help: "https://kind.sigs.k8s.io/docs/user/local-registry/"\n')
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "local-registry-hosting", "namespace": "kube-public"},
            "data": {"localRegistryHosting.v1": hosting}}


# How long kubeadm init waits for the control plane (its default is 4 minutes). A CRI-O node boots with no
# image, so the kubelet pulls the control plane's images inside this wait; pulls have no deadline of their own
# (docs/facts.md §8.9). kind v0.24 writes kubeadm's v1beta3 config, whose field this is.
CONTROL_PLANE_WAIT = "20m0s"


def _patch(kind: str) -> str:
    return yaml.safe_dump({"kind": kind, "nodeRegistration": {"criSocket": CRIO_SOCKET}}, sort_keys=False)


def _control_plane_wait() -> str:
    return yaml.safe_dump({"kind": "ClusterConfiguration",
                           "apiServer": {"timeoutForControlPlane": CONTROL_PLANE_WAIT}}, sort_keys=False)


def _trust_mounts(settings: Settings, registries_conf_path: str) -> list[dict[str, Any]]:
    reg, mounts = settings.registry, []
    if registries_conf(settings):
        mounts.append({"hostPath": registries_conf_path, "containerPath": REGISTRIES_CONF_NODE_PATH, "readOnly": True})
    if not reg.embedded:
        # containers/image (CRI-O) reads a registry's CA from certs.d/<host>/ca.crt.
        mounts.append({"hostPath": reg.ca_file, "containerPath": f"/etc/containers/certs.d/{reg.host}/ca.crt",
                       "readOnly": True})
    return mounts


def render(settings: Settings, images: dict[str, str], registries_conf_path: str = "") -> dict[str, Any]:
    """The config for `kind create cluster --config -`.

    images: "no-acc" (control plane and plain workers) and "acc" (the GPU worker) references.
    """
    trust = _trust_mounts(settings, registries_conf_path)
    nodes = [{"role": "control-plane", "image": images["no-acc"],
              "kubeadmConfigPatches": [_patch("InitConfiguration"), _control_plane_wait()],
              "extraMounts": list(trust)}]
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
