"""What the e2e toolchain is made of: each tool, its version and how it is built from Go modules.

Versions are the facts of this file (written once): the Go tools modules under modules/ pin the
same versions in their go.mod and go.sum, and the cache key is computed from both.

Pieces the Go module proxy does not serve (checked with `go mod download -json`; each answers
"403 This module version is not available") are listed in UNAVAILABLE, with what stands in.
"""
from __future__ import annotations

from dataclasses import dataclass, field

PULUMI = "v3.274.0"          # closest CLI the proxy serves to the pinned SDK pulumi==3.272.0
KUBERNETES = "v1.31.0"       # the stacks' kubernetesVersion
KUBERNETES_PROVIDER = "4.25.0"  # the only pulumi-kubernetes provider revision the proxy serves
ETCD = "v3.5.35"
KWOK = "v0.8.0"
KIND = "v0.24.0"

_K8S_VERSION_PKGS = ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version")


def _kube_ldflags() -> list[str]:
    major, minor = KUBERNETES.lstrip("v").split(".")[:2]
    flags = []
    for pkg in _K8S_VERSION_PKGS:
        flags += [f"-X {pkg}.gitVersion={KUBERNETES}", f"-X {pkg}.gitMajor={major}",
                  f"-X {pkg}.gitMinor={minor}", f"-X {pkg}.gitTreeState=clean"]
    return flags


@dataclass(frozen=True)
class Item:
    """One tool of the cache. `kind` picks the build recipe in build.py."""
    name: str
    version: str
    kind: str                      # "go" | "files" | "go-generated" | "plugin"
    module: str = ""               # folder under modules/
    package: str = ""              # Go main package
    ldflags: tuple[str, ...] = ()
    tags: str = ""
    outputs: tuple[str, ...] = ()  # files under bin/ (or extra["dest"])
    version_args: tuple[str, ...] = ()  # argv (after the binary) that prints the version
    extra: dict = field(default_factory=dict, hash=False, compare=False)


ITEMS: tuple[Item, ...] = (
    Item("pulumi", PULUMI, "go", "pulumi", "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
         (f"-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version={PULUMI}",),
         "osusergo,grpcnotrace", ("pulumi",), ("version",)),
    Item("pulumi-python-scripts", PULUMI, "files", "pulumi",
         outputs=("pulumi-language-python-exec", "pulumi-resource-pulumi-python"),
         extra={"module": "github.com/pulumi/pulumi/sdk/v3",
                "files": {"pulumi-language-python-exec": "python/cmd/pulumi-language-python-exec",
                          "pulumi-resource-pulumi-python": "python/dist/pulumi-resource-pulumi-python"}}),
    Item("pulumi-resource-kubernetes", KUBERNETES_PROVIDER, "go-generated", "pulumi-kubernetes",
         "github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes",
         (f"-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version={KUBERNETES_PROVIDER}",),
         outputs=("pulumi-resource-kubernetes",),
         extra={"module": "github.com/pulumi/pulumi-kubernetes/provider/v4",
                "generate_dir": "cmd/pulumi-resource-kubernetes"}),
    Item("plugin kubernetes", KUBERNETES_PROVIDER, "plugin",
         extra={"binary": "pulumi-resource-kubernetes", "plugin": "kubernetes"}),
    Item("etcd", ETCD, "go", "etcd", "go.etcd.io/etcd/server/v3", outputs=("etcd",),
         version_args=("--version",)),
    Item("kube-apiserver", KUBERNETES, "go", "kubernetes", "k8s.io/kubernetes/cmd/kube-apiserver",
         tuple(_kube_ldflags()), outputs=("kube-apiserver",), version_args=("--version",)),
    Item("kube-controller-manager", KUBERNETES, "go", "kubernetes",
         "k8s.io/kubernetes/cmd/kube-controller-manager", tuple(_kube_ldflags()),
         outputs=("kube-controller-manager",), version_args=("--version",)),
    Item("kube-scheduler", KUBERNETES, "go", "kubernetes", "k8s.io/kubernetes/cmd/kube-scheduler",
         tuple(_kube_ldflags()), outputs=("kube-scheduler",), version_args=("--version",)),
    Item("kwok", KWOK, "go", "kwok", "sigs.k8s.io/kwok/cmd/kwok", outputs=("kwok",),
         version_args=("--version",)),
    # kwok plays nothing without stages: kwokctl's defaults (fast node init, heartbeat with lease, fast pods).
    Item("kwok-stages", KWOK, "files", "kwok",
         outputs=("node-initialize.yaml", "node-heartbeat-with-lease.yaml", "pod-ready.yaml", "pod-complete.yaml",
                  "pod-delete.yaml"),
         extra={"module": "sigs.k8s.io/kwok", "dest": "share/kwok-stages",
                "files": {"node-initialize.yaml": "kustomize/stage/node/fast/node-initialize.yaml",
                          "node-heartbeat-with-lease.yaml":
                              "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
                          "pod-ready.yaml": "kustomize/stage/pod/fast/pod-ready.yaml",
                          "pod-complete.yaml": "kustomize/stage/pod/fast/pod-complete.yaml",
                          "pod-delete.yaml": "kustomize/stage/pod/fast/pod-delete.yaml"}}),
    Item("kind", KIND, "go", "kind", "sigs.k8s.io/kind", outputs=("kind",), version_args=("version",)),
)

# The engine floor's tools (e2e/fullstack/floor.py): kubectl, from the same k8s.io/kubernetes as the control
# plane. Cached in a folder of their own, keyed by these items alone, so that adding one leaves ITEMS' cache
# (cold: about 33 min) as it is.
FLOOR_ITEMS: tuple[Item, ...] = (
    Item("kubectl", KUBERNETES, "go", "kubectl", "k8s.io/kubernetes/cmd/kubectl", tuple(_kube_ldflags()),
         outputs=("kubectl",), version_args=("version", "--client")),
)

# Asked for by the pinned packages, not served by the Go module proxy (no version of the module, or
# not the one asked for): the e2e tier says so instead of pretending.
UNAVAILABLE = {
    "pulumi-language-python": "module github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3 "
                              "is not served: programs run inline through the Automation API, and for "
                              "the pulumi CLI itself e2e/cli/launcher.py serves the SDK's language "
                              "runtime (a stand-in; the CLI gets --client)",
    "pulumi-resource-kubernetes 4.34.2": f"provider/v4 is served only at the v{KUBERNETES_PROVIDER} commit "
                                         "(sdk/v4 tags stop at v4.32.0): that build stands in",
    "pulumi-resource-command 1.2.1": "module github.com/pulumi/pulumi-command/provider is not served "
                                     "at any version",
}
