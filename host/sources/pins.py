"""Upstream material the program builds from, pinned: a release tag and the commit it must resolve to.

Add-on bundles are pinned in renderers/platform/manifests.py (Bundle.sha256 / Bundle.commit), next to
the image tags that go with them.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GitPin:
    """A git repository at a tag; `key` is the stack key that gives a checkout by path instead."""

    key: str
    name: str  # folder under the cache: <cache>/<name>/<tag>
    url: str
    tag: str
    commit: str


def controller(version: str) -> GitPin | None:
    commit = CONTROLLER_COMMITS.get(version)
    return GitPin("controllerCheckout", "controller", CONTROLLER_URL, version, commit) if commit else None


def kubernetes(version: str) -> GitPin | None:
    commit = KUBERNETES_COMMITS.get(version)
    return GitPin("kubernetesSource", "kubernetes", KUBERNETES_URL, version, commit) if commit else None


CONTROLLER_URL = "https://github.com/openkasugai/controller"
CONTROLLER_COMMITS = {"v1.1.0": "445aa901cf0e323f300d9e1b9ef5b22e77e21f68",
                      "v1.0.0": "27bfe9588e441ee3ea9cabdbb79e565cefbc6d30"}
# kind as released: only images/base (the Ubuntu base image's Dockerfile) is used from it.
KIND = GitPin("kindSource", "kind", "https://github.com/kubernetes-sigs/kind", "v0.24.0",
              "36d544b02f143304f1c22720c0c3cf86372f8ed6")
KUBERNETES_URL = "https://github.com/kubernetes/kubernetes"
# kubernetesVersion -> commit of its tag; other versions need kubernetesSource given by path.
KUBERNETES_COMMITS = {"v1.31.0": "9edcffcde5595e8a5b1a35f88c421764e575afce"}
