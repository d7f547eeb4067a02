"""The add-on bundles of the twin's Kind stack, and the pins the program is run with.

Real where this machine can have them: Multus v4.1.1 (e2e/fullstack/bundles.py) and MetalLB v0.14.8
(go.universe.tf/metallb's module zip holds config/manifests/metallb-native.yaml; its SHA-256 is the
pinned one), verified by the program against the project's own pins. The rest is not served by the
Go module proxy (calico, sriov-cni, sriov-network-device-plugin, nvidia-k8s-ipam answer 403), so:
- Calico and the SR-IOV device plugin: the all-in-one's own manifests (OPENKASUGAI_AIO_REFERENCE:
  kind/cni-manifest/calico.yaml, manifest/sriov/sriovdp-daemonset.yaml), real files of those releases
  as the all-in-one applies them, whose SHA-256 differ from the upstream files the project pins;
- SR-IOV CNI and nv-ipam: STAND-INS written here (a DaemonSet; the IPPool CRD and a Deployment), enough
  for the program's objects and awaits (the IPPool needs its CRD).
The program is run with pins matching these files (the twin's pins, `pins()`); everything else about the
bundles (paths, verification, the image rewrite, the Calico pool transform) is the program's own.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from e2e.fullstack.bundles import BundleError, multus_folder
from renderers.platform import manifests as addons

METALLB_MODULE, METALLB_FILE = "go.universe.tf/metallb", "config/manifests/metallb-native.yaml"
REFERENCE = {addons.CALICO.name: "openkasugai-all-in-one/kind/cni-manifest/calico.yaml",
             addons.SRIOV_DP.name: "openkasugai-all-in-one/manifest/sriov/sriovdp-daemonset.yaml"}
STAND_IN = {"real": ["multus", "metallb"], "all-in-one": list(REFERENCE), "stand-in": ["sriov-cni", "nv-ipam"]}

SRIOV_CNI = """# STAND-IN for sriov-cni v2.8.1's images/sriov-cni-daemonset.yaml (not served here): its DaemonSet's shape
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: kube-sriov-cni-ds, namespace: kube-system, labels: {tier: node, app: sriov-cni}}
spec:
  selector: {matchLabels: {name: sriov-cni}}
  template:
    metadata: {labels: {name: sriov-cni, tier: node, app: sriov-cni}}
    spec:
      nodeSelector: {kubernetes.io/arch: amd64}
      tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}]
      containers:
      - name: kube-sriov-cni
        image: ghcr.io/k8snetworkplumbingwg/sriov-cni
        volumeMounts: [{name: cnibin, mountPath: /host/opt/cni/bin}]
      volumes: [{name: cnibin, hostPath: {path: /opt/cni/bin}}]
"""
NV_IPAM_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "ippools.nv-ipam.nvidia.com"},
    "spec": {"group": "nv-ipam.nvidia.com", "scope": "Namespaced",
             "names": {"kind": "IPPool", "listKind": "IPPoolList", "plural": "ippools", "singular": "ippool"},
             "versions": [{"name": "v1alpha1", "served": True, "storage": True, "subresources": {"status": {}},
                           "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}]}}
NV_IPAM_CONTROLLER = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "nv-ipam-controller", "namespace": "kube-system"},
    "spec": {"replicas": 1, "selector": {"matchLabels": {"name": "nv-ipam-controller"}},
             "template": {"metadata": {"labels": {"name": "nv-ipam-controller"}},
                          "spec": {"containers": [{"name": "nv-ipam-controller",
                                                   "image": "ghcr.io/mellanox/nvidia-k8s-ipam"}]}}}}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _metallb(cache: Path, dest: Path) -> None:
    env = {**os.environ, "GOMODCACHE": str(cache / "gomod"), "GOFLAGS": "-modcacherw", "GO111MODULE": "on"}
    done = subprocess.run(["go", "mod", "download", "-json", f"{METALLB_MODULE}@{addons.METALLB.version}"],
                          env=env, capture_output=True, text=True, timeout=600)
    try:
        folder = Path(json.loads(done.stdout)["Dir"])
    except (ValueError, KeyError):
        raise BundleError(f"failed to download {METALLB_MODULE}@{addons.METALLB.version}: "
                          f"{(done.stderr or done.stdout).strip()}")
    shutil.copyfile(folder / METALLB_FILE, dest / addons.METALLB.local_name)


def folder(cache: Path, dest: Path, reference: Path) -> tuple[Path, tuple[addons.Bundle, ...]]:
    """dest/ holding every bundle of a Kind stack with SR-IOV, and the pins that match its files."""
    multus_folder(cache, dest)
    _metallb(cache, dest)
    for name, rel in REFERENCE.items():
        bundle = next(b for b in addons.BUNDLES if b.name == name)
        if not (reference / rel).is_file():
            raise BundleError(f"the kind-host twin reads {rel} from OPENKASUGAI_AIO_REFERENCE ({reference})")
        shutil.copyfile(reference / rel, dest / bundle.local_name)
    (dest / addons.SRIOV_CNI.local_name).write_text(SRIOV_CNI)
    kustomize = dest / addons.NV_IPAM.local_name / addons.NV_IPAM.folder
    kustomize.mkdir(parents=True, exist_ok=True)
    (kustomize / "crd.yaml").write_text(json.dumps(NV_IPAM_CRD))
    (kustomize / "controller.yaml").write_text(json.dumps(NV_IPAM_CONTROLLER))
    (kustomize / "kustomization.yaml").write_text(
        "# STAND-IN for nvidia-k8s-ipam v0.3.5 deploy/overlays/no-webhook (not served here)\n"
        "resources: [crd.yaml, controller.yaml]\n")
    pins = tuple(b if b.kustomize else dataclasses.replace(b, sha256=_sha(dest / b.local_name)) for b in addons.BUNDLES)
    for real in (addons.MULTUS, addons.METALLB):  # the real files: the project's own pins hold
        if _sha(dest / real.local_name) != real.sha256:
            raise BundleError(f"{dest / real.local_name} is not {real.name} {real.version} (SHA-256 differs)")
    return dest, pins
