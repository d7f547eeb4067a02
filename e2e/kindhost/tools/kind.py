"""STAND-IN `kind` of the kind-host twin (e2e only): kind's node containers cannot start here (they must be
privileged), so this plays kind v0.24.0's commands the program runs, on objects of the twin's own:

- `create cluster [--name N] --config F|-`: the config is loaded and validated by the real kind binary
  (e2e/kindcheck.py: kind stops before the first node); then every node becomes an unprivileged Docker
  container from the node image the config names (it must be in Docker's store: kind would try to pull
  it), named and labelled as kind names them (<name>-control-plane, <name>-worker, <name>-worker2...;
  io.x-k8s.kind.cluster/role), on the `kind` network, with the config's extraMounts; a node whose image
  enables nvidia-modules.service boots the GPU worker's driver into the fake root (tools/gpu.py), as
  nvidia-load-modules does (already loaded modules are kept); the control plane is a simulated one
  (e2e/simcluster: etcd, kube-apiserver, controller-manager, scheduler, kwok) with Node objects of the
  nodes' names, started fresh for every cluster, calling no admission webhook (no pod serves one); the
  controller stand-in (e2e/standin.py) runs beside
  it. The kubeconfig goes to --kubeconfig, $KUBECONFIG or ~/.kube/config, context kind-<name>. A failure
  deletes the nodes again, as kind does without --retain; what the GPU worker loaded stays in the kernel,
  as it would. The twin's "kind-create" fault fails it before the nodes start ("nodes") or after they
  booted, as kubeadm init failing does ("kubeadm init").
- `delete cluster [--name N]`: the node containers, the simulated control plane and everything in it.
- `get kubeconfig [--name N] [--internal]`, `get clusters`, `get nodes`, `version`.
- `build node-image --base-image B --image I SRC`: the base image must be in Docker's store and SRC a
  folder; the result is the twin's busybox filesystem under I (no Kubernetes is built).
Not proven: a real node (systemd, kubeadm, CRI-O, kubelet), pod networking, image pulls by the nodes.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from e2e import kindcheck
from e2e.kindhost import rootfs, state
from e2e.kindhost.tools.gpu import Kernel
from e2e.simcluster.cluster import Cluster
from e2e.simcluster.errors import ClusterError
from e2e.toolchain import Toolchain

LABEL_CLUSTER, LABEL_ROLE = "io.x-k8s.kind.cluster", "io.x-k8s.kind.role"
ENABLES = "io.openkasugai-aio.twin.enables"  # the units a node image enables at boot (docker_build.py)
TOOLCHAIN_ENV, ROOT_ENV = "OPENKASUGAI_TWIN_TOOLCHAIN", "OPENKASUGAI_TWIN_ROOT"
NODE_SRCVERSION = "OPENKASUGAI_TWIN_WORKER_SRCVERSION"


class KindError(Exception):
    pass


def _docker(*argv: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(["docker", *argv], capture_output=True, text=True, input=stdin)
    if check and done.returncode != 0:
        raise KindError(f"command \"docker {' '.join(argv)}\" failed with error: exit status {done.returncode}: "
                        f"{(done.stderr or done.stdout).strip()}")
    return done


def node_names(name: str, roles: list[str]) -> list[tuple[str, str]]:
    """kind's naming: the first node of a role has no suffix, the next ones 2, 3, ... (providers/common)."""
    seen: dict[str, int] = {}
    out = []
    for role in roles:
        seen[role] = seen.get(role, 0) + 1
        out.append((f"{name}-{role}" + (str(seen[role]) if seen[role] > 1 else ""), role))
    return out


def nodes_of(name: str) -> list[str]:
    """The twin's node containers of cluster `name` (a real kind cluster of that name is never touched)."""
    done = _docker("ps", "-a", "--filter", f"label={LABEL_CLUSTER}={name}", "--filter", f"label={rootfs.LABEL}=1",
                   "--format", "{{.Names}}")
    return sorted(n for n in done.stdout.split() if n)


# Nothing serves an admission webhook in a simulated cluster (no pod runs), so its API server calls none:
# MetalLB's pool would otherwise be refused for a webhook that cannot answer.
NO_WEBHOOKS = ("--disable-admission-plugins=ValidatingAdmissionWebhook,MutatingAdmissionWebhook",)


def _cluster(name: str) -> Cluster:
    record = state.read_json("clusters.json").get(name) or {}
    return Cluster(state.folder() / "clusters" / name, tuple(record.get("workers", ())),
                   record.get("control_plane", f"{name}-control-plane"), apiserver_args=NO_WEBHOOKS)


def _kubeconfig(name: str, cluster: Cluster, internal: bool) -> str:
    config = json.loads(cluster.kubeconfig.read_text())
    ctx = f"kind-{name}"
    config["clusters"][0]["name"] = config["users"][0]["name"] = config["contexts"][0]["name"] = ctx
    config["contexts"][0]["context"] = {"cluster": ctx, "user": ctx}
    config["current-context"] = ctx
    if internal:  # as kind: the control plane's container name and the API server's port inside it
        config["clusters"][0]["cluster"]["server"] = f"https://{name}-control-plane:6443"
    return yaml.safe_dump(config, sort_keys=False)


def _boot(node: str, image: str) -> None:
    enables = (_docker("image", "inspect", "--format", f'{{{{index .Config.Labels "{ENABLES}"}}}}', image).stdout
               .split())
    if "nvidia-modules.service" in enables:
        kernel = Kernel(Path(os.environ[ROOT_ENV]))
        host_driver = "nvidia" in kernel.modules()
        kernel.worker_boot(os.environ.get(NODE_SRCVERSION, ""))
        with state.locked_json("gpu-boots.json") as boots:
            boots.setdefault("boots", []).append({"node": node, "driver_was_loaded": host_driver})


def create(name: str, config_text: str, kubeconfig: Path) -> None:
    config = yaml.safe_load(config_text) or {}
    kind_binary = Toolchain(Path(os.environ[TOOLCHAIN_ENV])).tool("kind")
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        f.write(config_text)
        f.flush()
        verdict = kindcheck.check(kind_binary, Path(f.name))
    if not verdict.accepted:
        raise KindError(verdict.config_error)
    if nodes_of(name):
        raise KindError(f'node(s) already exist for a cluster with the name "{name}"')
    print(f'Creating cluster "{name}" ...', file=sys.stderr)
    specs = config.get("nodes") or [{"role": "control-plane"}]
    named = node_names(name, [n.get("role", "control-plane") for n in specs])
    if _docker("network", "inspect", "kind", check=False).returncode != 0:
        _docker("network", "create", "-d=bridge", "-o", "com.docker.network.bridge.enable_ip_masquerade=true", "kind")
    try:
        if state.fault("kind-create") == "nodes":
            raise KindError(f'failed to create nodes: command "docker run --name {named[0][0]} ..." failed with '
                            "error: exit status 125 (the twin's injected fault)")
        for (node, role), spec in zip(named, specs):
            image = spec.get("image") or ""
            if not rootfs.image_id(image):
                raise KindError(f'failed to pull image "{image}": no image can be pulled here (the twin plays '
                                "kind with the node images the program built)")
            argv = ["run", "--detach", "--name", node, "--hostname", node, "--label", f"{LABEL_CLUSTER}={name}",
                    "--label", f"{LABEL_ROLE}={role}", "--label", f"{rootfs.LABEL}=1", "--network", "kind",
                    "--restart", "on-failure:1"]
            for m in spec.get("extraMounts") or []:
                argv += ["--volume", f"{m['hostPath']}:{m['containerPath']}" + (":ro" if m.get("readOnly") else "")]
            _docker(*argv, image, "sleep", "2147483647")
            _boot(node, image)
        print(" ✓ Preparing nodes 📦", file=sys.stderr)
        if state.fault("kind-create") == "kubeadm init":
            raise KindError("failed to init node with kubeadm: command \"docker exec --privileged "
                            f"{name}-control-plane kubeadm init --skip-phases=preflight --config=/kind/kubeadm.conf "
                            "--skip-token-print --v=6\" failed with error: exit status 1 (the twin's injected fault)")
        workers = tuple(n for n, r in named if r == "worker")
        control = next(n for n, r in named if r == "control-plane")
        with state.locked_json("clusters.json") as clusters:
            clusters[name] = {"workers": list(workers), "control_plane": control}
        cluster = _cluster(name)
        cluster.up(Toolchain(Path(os.environ[TOOLCHAIN_ENV])), say=lambda line: print(f" • {line}", file=sys.stderr))
        _start_controller(name, cluster)
    except BaseException:
        delete(name)
        raise
    kubeconfig.parent.mkdir(parents=True, exist_ok=True)
    kubeconfig.write_text(_kubeconfig(name, cluster, internal=False))
    print(f"Set kubectl context to \"kind-{name}\"", file=sys.stderr)


def _start_controller(name: str, cluster: Cluster) -> None:
    log = open(cluster.state / "logs" / "controller-standin.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "e2e.kindhost.controller", str(cluster.state)],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    with state.locked_json("clusters.json") as clusters:
        clusters[name]["controller_pid"] = proc.pid


def delete(name: str) -> None:
    print(f'Deleting cluster "{name}" ...', file=sys.stderr)
    nodes = nodes_of(name)
    if nodes:
        _docker("rm", "--force", "--volumes", *nodes)
    root = os.environ.get(ROOT_ENV)
    if root and any(n for n in nodes):
        Kernel(Path(root)).worker_stop()
    record = state.read_json("clusters.json").get(name)
    if record:
        pid = record.get("controller_pid")
        if pid:
            try:
                os.kill(pid, 15)
            except ProcessLookupError:
                pass
        _cluster(name).down(say=lambda _: None, keep_logs=True)
        with state.locked_json("clusters.json") as clusters:
            clusters.pop(name, None)
    print(f"Deleted nodes: {json.dumps(nodes)}", file=sys.stderr)


# kind v0.24 pkg/build/nodeimage/build.go: `--type release` takes a semantic version (its artifacts come
# from dl.k8s.io, which the twin does not download) or falls through to a source build when it names a
# path; any other type, or none, builds from a source tree.
_SEMVER = re.compile(r"v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?")


def build_node_image(base: str, image: str, param: str, build_type: str) -> None:
    failing = state.fault("image-build")
    if failing and failing in image:
        raise KindError(f"error building node image: failed to build kubernetes: the twin's injected fault for {failing}")
    if not rootfs.image_id(base):
        raise KindError(f'error building node image: failed to pull base image "{base}"')
    release = build_type == "release" and _SEMVER.fullmatch(param) is not None
    if build_type == "release" and not release and not Path(param).exists():
        raise KindError(f"{param} is not a valid kubernetes version")
    if not release and not Path(param).is_dir():
        raise KindError(f"error building node image: {param} is not a Kubernetes source tree")
    labels = {"io.openkasugai-aio.twin.build": image}
    rootfs.import_image(image, labels=labels)
    print(f'Image "{image}" build completed.', file=sys.stderr)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kind")
    parser.add_argument("verb")
    parser.add_argument("noun", nargs="?")
    parser.add_argument("rest", nargs="*")
    parser.add_argument("--name", default=None)
    parser.add_argument("--config")
    parser.add_argument("--kubeconfig")
    parser.add_argument("--internal", action="store_true")
    parser.add_argument("--image")
    parser.add_argument("--base-image")
    parser.add_argument("--type")
    parser.add_argument("--wait")
    parser.add_argument("--retain", action="store_true")
    a = parser.parse_intermixed_args(argv)
    try:
        if a.verb == "version":
            print("kind v0.24.0 go1.22.6 linux/amd64 (openkasugai-aio twin STAND-IN)")
            return 0
        if (a.verb, a.noun) == ("build", "node-image"):
            build_node_image(a.base_image or "", a.image or "", (a.rest or [""])[0], a.type or "")
            return 0
        text = ""
        if (a.verb, a.noun) == ("create", "cluster"):
            text = sys.stdin.read() if a.config == "-" else Path(a.config).read_text() if a.config else ""
        name = a.name or (yaml.safe_load(text) or {}).get("name") or "kind"
        if (a.verb, a.noun) == ("create", "cluster"):
            target = Path(a.kubeconfig or os.environ.get("KUBECONFIG") or Path.home() / ".kube/config")
            create(name, text, target)
        elif (a.verb, a.noun) == ("delete", "cluster"):
            delete(name)
        elif (a.verb, a.noun) == ("get", "clusters"):
            print("\n".join(sorted(state.read_json("clusters.json"))))
        elif (a.verb, a.noun) == ("get", "nodes"):
            print("\n".join(nodes_of(name)))
        elif (a.verb, a.noun) == ("get", "kubeconfig"):
            if name not in state.read_json("clusters.json"):
                raise KindError(f"could not locate any control plane nodes for cluster named '{name}'. "
                                "Use the --name option to select a different cluster")
            sys.stdout.write(_kubeconfig(name, _cluster(name), a.internal))
        else:
            raise KindError(f"unknown command {a.verb} {a.noun or ''} (the twin's kind plays only what the program runs)")
    except (KindError, ClusterError, kindcheck.KindCheckError, rootfs.RootfsError, state.TwinError) as err:
        print(f"ERROR: failed to {a.verb} {a.noun or ''}: {err}".replace("  ", " "), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
