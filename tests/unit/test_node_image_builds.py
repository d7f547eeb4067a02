"""What the node image chain hands to its builds: kind's base, the CRI-O layer, the GPU worker (issue 9)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib

import pytest

from components.node_images import NodeImagesArgs, base_build_args, chain_refs, node_image_script
from renderers.imagespec import DOCKERFILES, amd64_only, crio_repository, kind_base
from settings import Registry

# kind v0.24.0, images/base/Dockerfile, the go-build stage (quoted to test the transformation).
KIND_GO_BUILD = """\
FROM --platform=$BUILDPLATFORM $BASE_IMAGE AS go-build
RUN dpkg --add-architecture arm64 && dpkg --add-architecture amd64 \\
    && clean-install bash ca-certificates curl git make pkg-config \\
    crossbuild-essential-amd64 crossbuild-essential-arm64 \\
    libseccomp-dev:amd64 libseccomp-dev:arm64
# set by makefile to .go-version
ARG GO_VERSION
"""


def _kind(tmp_path, go_version="1.22.6\n"):
    base = tmp_path / "kind/images/base"
    base.mkdir(parents=True)
    (base / "Dockerfile").write_text(KIND_GO_BUILD)
    (tmp_path / "kind/.go-version").write_text(go_version)
    return tmp_path / "kind"


def _args(tmp_path, registry=Registry(host="h", project="p", username="admin", password="pw"), crio="1.31"):
    return NodeImagesArgs(registry=registry, kind_source=str(tmp_path / "kind"),
                          kubernetes_source=str(tmp_path / "k8s"), kubernetes_version="v1.31.0",
                          crio_version=crio, gpu_driver_file="", kernel_release="6.8.0")


def _runs(dockerfile: str) -> list[str]:
    """The RUN instructions of a Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (DOCKERFILES / dockerfile).read_text())
    return [line[4:] for line in text.splitlines() if line.startswith("RUN ")]


# --- 1. base image: kind's images/base/Dockerfile has `ARG GO_VERSION` without a default and kind's
# images/Makefile.common.in passes GO_VERSION=$(cat .go-version); the all-in-one's kind.patch drops
# the arm64 cross packages, which an Ubuntu jammy base cannot resolve.

def test_base_build_gets_go_version_from_the_kind_checkout(tmp_path):
    _kind(tmp_path)
    assert base_build_args(_args(tmp_path))["GO_VERSION"] == "1.22.6"


def test_base_dockerfile_is_built_without_arm64_cross_packages_and_kind_is_left_unpatched(tmp_path):
    kind = _kind(tmp_path)
    text = kind_base(str(kind)).dockerfile
    assert "arm64" not in text
    assert "dpkg --add-architecture amd64" in text and "crossbuild-essential-amd64 \\" in text
    assert "libseccomp-dev:amd64\n" in text and "ARG GO_VERSION" in text
    assert (kind / "images/base/Dockerfile").read_text() == KIND_GO_BUILD


def test_amd64_only_keeps_a_dockerfile_without_arm64_as_it_is():
    plain = "FROM ubuntu\nRUN clean-install curl\n"
    assert amd64_only(plain) == plain


def test_a_new_go_version_retags_the_base_image(tmp_path):
    _kind(tmp_path)
    before = chain_refs(_args(tmp_path))["base"]
    (tmp_path / "kind/.go-version").write_text("1.23.1\n")
    assert chain_refs(_args(tmp_path))["base"] != before


# --- 2. CRI-O layer: cri-o/packaging's cri-o.spec ships /etc/crictl.yaml as %config(noreplace) (a dpkg
# conffile) and kind's base already has one, so dpkg would prompt; packages built before
# cri-o/packaging f4e9679 (Nov 2024) enable 11-crio-ipv4-bridge.conflist (10.85.0.0/16).

def _crio_install() -> str:
    return next(r for r in _runs("crio/Dockerfile") if re.search(r"install .*\bcri-o\b", r))


def test_crio_is_installed_without_a_conffile_prompt():
    cmd = _crio_install()
    cmd = cmd[cmd.rindex("apt-get update"):]
    assert "DEBIAN_FRONTEND=noninteractive" in cmd
    assert "--force-confdef" in cmd and "--force-confold" in cmd


def test_the_conffile_policy_keeps_dpkg_from_prompting(tmp_path):
    """Real dpkg: a package whose conffile exists already, installed with stdin at end of file."""
    if not shutil.which("dpkg") or not shutil.which("dpkg-deb"):
        if os.environ.get("CI"):
            pytest.fail("dpkg is missing (CI is set, so this is a failure, not a skip)")
        pytest.skip("dpkg is missing")
    pkg = tmp_path / "pkg"
    (pkg / "DEBIAN").mkdir(parents=True)
    (pkg / "etc").mkdir()
    (pkg / "DEBIAN/control").write_text("Package: fake-cri-o\nVersion: 1.0\nArchitecture: all\n"
                                        "Maintainer: t <t@t>\nDescription: conffile test\n")
    (pkg / "DEBIAN/conffiles").write_text("/etc/crictl.yaml\n")
    (pkg / "etc/crictl.yaml").write_text("runtime-endpoint: unix:///var/run/crio/crio.sock\n")
    subprocess.run(["dpkg-deb", "-b", str(pkg), str(tmp_path / "fake.deb")], check=True, capture_output=True)

    def install(options: list[str]) -> subprocess.CompletedProcess:
        root = tmp_path / f"root{len(options)}"
        for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "etc"):
            (root / d).mkdir(parents=True)
        (root / "var/lib/dpkg/status").write_text("")
        (root / "etc/crictl.yaml").write_text("runtime-endpoint: unix:///run/containerd/containerd.sock\n")
        return subprocess.run(["dpkg", f"--root={root}", "--force-not-root", "--force-script-chrootless",
                               *options, "-i", str(tmp_path / "fake.deb")],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True)

    assert "end of file on stdin at conffile prompt" in install([]).stderr, "the finding, reproduced"
    options = re.findall(r"Dpkg::Options::=(\S+)", _crio_install())
    assert install(options).returncode == 0


def test_crictl_points_at_crio():
    assert "COPY crictl.yaml /etc/crictl.yaml" in (DOCKERFILES / "crio/Dockerfile").read_text()
    crictl = (DOCKERFILES / "crio/crictl.yaml").read_text()
    assert "runtime-endpoint: unix:///var/run/crio/crio.sock" in crictl and "containerd" not in crictl


def test_crio_bridge_network_is_removed_before_calico():
    runs = _runs("crio/Dockerfile")
    assert any("find /etc/cni/net.d -name '*crio*bridge*.conflist' -delete" in r for r in runs)


@pytest.mark.parametrize("version", ["1.28", "1.31", "1.33", "1.34", "1.35"])
def test_crio_comes_from_the_maintained_repository_for_every_version(version):
    # cri-o/packaging README (b133393 onwards): pkgs.k8s.io's addons:/cri-o was replaced by openSUSE's
    # isv:/cri-o, which lists every minor from v1.28; pkgs.k8s.io stopped getting patch releases
    # (cri-o/cri-o#9111: v1.31 stopped at 1.31.5 there).
    assert crio_repository(version) == \
        f"https://download.opensuse.org/repositories/isv:/cri-o:/stable:/v{version}/deb/"


def test_no_crio_repository_is_written_anywhere_else():
    # One place: the Dockerfile takes the repository as a build argument and names no host itself.
    text = (DOCKERFILES / "crio/Dockerfile").read_text()
    assert "pkgs.k8s.io" not in text and "opensuse" not in text


def test_crio_build_gets_the_repository_and_the_dockerfile_uses_it(tmp_path):
    text = (DOCKERFILES / "crio/Dockerfile").read_text()
    assert '"${CRIO_REPO}Release.key"' in text and "${CRIO_REPO} /" in text
    assert chain_refs(_args(tmp_path, crio="1.34"))["crio"] != chain_refs(_args(tmp_path))["crio"]


# --- 3. GPU worker: CRI-O 1.31 pkg/config ValidateConmonPath looks conmon up on PATH when a runtime
# has no monitor_path; the package installs it in /usr/libexec/crio (the all-in-one's 99-nvidia.conf
# sets monitor_path). kind's files/etc/default/kubelet names containerd's runtime cgroup.

def test_nvidia_runtime_names_crio_conmon():
    conf = tomllib.loads((DOCKERFILES / "acc/files/99-nvidia.conf").read_text())
    assert conf["crio"]["runtime"]["runtimes"]["nvidia"]["monitor_path"] == "/usr/libexec/crio/conmon"


def test_driver_installs_while_a_driver_is_loaded():
    install = next(r for r in _runs("acc/Dockerfile") if "/tmp/driver.run" in r and "sh " in r)
    assert "--allow-installation-with-running-driver" in install


def test_kubelet_runtime_cgroup_is_crio():
    assert "COPY kubelet.default /etc/default/kubelet" in (DOCKERFILES / "crio/Dockerfile").read_text()
    assert (DOCKERFILES / "crio/kubelet.default").read_text().strip() == \
        "KUBELET_EXTRA_ARGS=--runtime-cgroups=/system.slice/crio.service"


# --- 5. the node image's push: the Docker CLI's own login is nothing the stack configured.

def _fake_tools(tmp_path, have_image: bool):
    """`docker` and `kind` stand-ins that log their argv (and what `docker login` reads on stdin)."""
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(
        "#!/bin/sh\n"
        f'echo "docker $*" >> {log}\n'
        'case "$*" in *" login "*) echo "stdin=$(cat)" >> ' + str(log) + ';; esac\n'
        f'case "$*" in "image inspect"*) exit {0 if have_image else 1};; esac\n')
    (bin_dir / "kind").write_text(f'#!/bin/sh\necho "kind $*" >> {log}\n')
    for tool in ("docker", "kind"):
        (bin_dir / tool).chmod(0o755)
    return bin_dir, log


@pytest.mark.parametrize("have_image", [False, True])
def test_node_image_push_logs_in_with_the_password_on_stdin(tmp_path, have_image):
    args = _args(tmp_path)
    refs = chain_refs(args)
    bin_dir, log = _fake_tools(tmp_path, have_image)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    subprocess.run(["/bin/sh", "-c", node_image_script(args, refs)], input="pw", text=True, env=env, check=True)
    calls = log.read_text().splitlines()
    assert any(c.startswith("kind build node-image") for c in calls) != have_image
    login = next(i for i, c in enumerate(calls) if " login " in c)
    assert calls[login].endswith("login --username admin --password-stdin h") and calls[login + 1] == "stdin=pw"
    config = calls[login].split()[2]
    assert calls[-1] == f"docker --config {config} push {refs['node']}"
    assert not any("pw" in c.split() for c in calls if c.startswith("docker"))
    assert not os.path.exists(config), "the throw-away Docker config is removed"


def test_node_image_with_the_embedded_registry_is_not_pushed(tmp_path):
    refs = chain_refs(_args(tmp_path, registry=Registry()))
    assert "push" not in node_image_script(_args(tmp_path, registry=Registry()), refs)


def test_node_image_script_quotes_the_kubernetes_checkout(tmp_path):
    args = _args(tmp_path)
    args.kubernetes_build, args.kubernetes_source = "source", str(tmp_path / "my k8s")
    assert f"--type source '{tmp_path}/my k8s'" in node_image_script(args, chain_refs(args))


# --- issue 17 item 5: kind v0.24.0 build.go: --type release builds from dl.k8s.io's server tarball of the
# version (builder_remote.go NewReleaseBuilder); a source build runs `make quick-release-images` on the host.

def test_the_default_node_image_is_built_from_the_kubernetes_release(tmp_path):
    args = _args(tmp_path)
    assert args.kubernetes_build == "release"
    assert "kind build node-image --base-image" in node_image_script(args, chain_refs(args))
    assert node_image_script(args, chain_refs(args)).split("; }")[0].endswith("--type release v1.31.0")
    assert "k8s" not in node_image_script(args, chain_refs(args)), "no Kubernetes tree is read"


def test_release_and_source_builds_get_different_tags_and_only_source_reads_the_checkout(tmp_path):
    release, source = _args(tmp_path), _args(tmp_path)
    source.kubernetes_build = "source"
    assert chain_refs(release)["node"] != chain_refs(source)["node"]
    head = tmp_path / "k8s/.git/HEAD"
    head.parent.mkdir(parents=True)
    before = chain_refs(release)["node"], chain_refs(source)["node"]
    head.write_text("ref: refs/heads/patched\n")
    assert chain_refs(release)["node"] == before[0] and chain_refs(source)["node"] != before[1]

