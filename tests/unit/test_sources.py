"""Upstream material given by path or fetched into the cache, verified; only local git repositories and a
local HTTP server on 127.0.0.1 are used, never the internet."""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import http.server
import json
import subprocess
import threading
from pathlib import Path

import pytest

from host.sources import cache_dir, pins, provide
from host.sources.fetch import FetchError, fetch_file, fetch_git
from preview.__main__ import main as preview
from renderers.platform import manifests as addons
from settings import PROJECT, load
from tests.fake_checkout import write_checkout
from tests.host_files import write_nvidia_run

ROOT = Path(__file__).resolve().parents[2]
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main"]


def git_repo(path: Path, tag: str, files: dict[str, str]) -> str:
    """A local repository (of what `path` holds, plus `files`) with one commit tagged `tag` (annotated)."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run([*GIT, "init", "-q", str(path)], check=True)
    for rel, text in files.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_text(text)
    subprocess.run([*GIT, "-C", str(path), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(path), "commit", "-qm", "c"], check=True)
    subprocess.run([*GIT, "-C", str(path), "tag", "-a", tag, "-m", tag], check=True)
    return subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def http_root(tmp_path):
    """(folder, base URL) of an HTTP server on 127.0.0.1 serving that folder."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_git_fetch_checks_out_the_tag_at_its_pinned_commit(tmp_path):
    commit = git_repo(tmp_path / "up", "v1.1.0", {"src/a.yaml": "a: 1\n"})
    lines = []
    dest = fetch_git("controllerCheckout", f"file://{tmp_path / 'up'}", "v1.1.0", commit, tmp_path / "c/v1.1.0",
                     lines.append)
    assert (dest / "src/a.yaml").read_text() == "a: 1\n"
    assert len(lines) == 1 and lines[0].startswith("fetching controllerCheckout: file://")
    assert [p.name for p in (tmp_path / "c").iterdir()] == ["v1.1.0"], "no partial folder is left"


def test_git_fetch_refuses_a_moved_tag_and_leaves_nothing(tmp_path):
    git_repo(tmp_path / "up", "v1.1.0", {"a": "1"})
    with pytest.raises(FetchError, match=r"^kindSource: .* tag v1.1.0 is commit \w+, but 0{40} is pinned"):
        fetch_git("kindSource", f"file://{tmp_path / 'up'}", "v1.1.0", "0" * 40, tmp_path / "k", lambda _: None)
    assert not any(p.name.startswith("k") for p in tmp_path.iterdir()), "nothing is left behind"


def test_git_fetch_of_a_missing_repository_names_the_key(tmp_path):
    with pytest.raises(FetchError, match=r"^kubernetesSource: could not fetch file://"):
        fetch_git("kubernetesSource", f"file://{tmp_path / 'nope'}", "v1", "0" * 40, tmp_path / "k", lambda _: None)


def test_file_fetch_verifies_the_sha256(tmp_path, http_root):
    root, url = http_root
    (root / "calico.yaml").write_text("kind: List\n")
    good = hashlib.sha256(b"kind: List\n").hexdigest()
    dest = fetch_file("addonManifests", f"{url}/calico.yaml", good, tmp_path / "a/calico.yaml", lambda _: None)
    assert dest.read_text() == "kind: List\n"
    with pytest.raises(FetchError, match=f"^addonManifests: {url}/calico.yaml has SHA-256 {good}, but 0{{64}}"):
        fetch_file("addonManifests", f"{url}/calico.yaml", "0" * 64, tmp_path / "b/calico.yaml", lambda _: None)
    assert not (tmp_path / "b").exists()
    with pytest.raises(FetchError, match="^addonManifests: could not download .*/missing.yaml"):
        fetch_file("addonManifests", f"{url}/missing.yaml", good, tmp_path / "c.yaml", lambda _: None)


def test_cache_folder_comes_from_the_key_then_the_variable_then_xdg():
    env = {"OPENKASUGAI_AIO_CACHE": "/v", "XDG_CACHE_HOME": "/x"}
    assert cache_dir("/k", env) == Path("/k")
    assert cache_dir("", env) == Path("/v")
    assert cache_dir("", {"XDG_CACHE_HOME": "/x"}) == Path("/x/openkasugai-aio")
    assert cache_dir("", {}) == Path.home() / ".cache/openkasugai-aio"


@pytest.fixture
def upstream(tmp_path, http_root, monkeypatch):
    """Pins pointing at local stand-ins of every upstream: git repositories and files over HTTP."""
    www, url = http_root
    write_checkout(tmp_path / "controller")
    controller = git_repo(tmp_path / "controller", "v1.1.0", {"src/x.yaml": "x: 1\n"})
    kind = git_repo(tmp_path / "kind", "v0.24.0", {"images/base/Dockerfile": "FROM ubuntu\n"})
    k8s = git_repo(tmp_path / "kubernetes", "v1.31.0", {"go.mod": "module k8s.io/kubernetes\n"})
    ipam = git_repo(tmp_path / "ipam", "v0.3.5", {"deploy/overlays/no-webhook/kustomization.yaml": "resources: []\n"})
    monkeypatch.setattr(pins, "CONTROLLER_URL", f"file://{tmp_path / 'controller'}")
    monkeypatch.setattr(pins, "CONTROLLER_COMMITS", {"v1.1.0": controller})
    monkeypatch.setattr(pins, "KIND", dataclasses.replace(pins.KIND, url=f"file://{tmp_path / 'kind'}", commit=kind))
    monkeypatch.setattr(pins, "KUBERNETES_URL", f"file://{tmp_path / 'kubernetes'}")
    monkeypatch.setattr(pins, "KUBERNETES_COMMITS", {"v1.31.0": k8s})
    bundles = []
    for b in addons.BUNDLES:
        if b.kustomize:
            bundles.append(dataclasses.replace(b, url=f"file://{tmp_path / 'ipam'}", commit=ipam))
        else:
            (www / f"{b.name}.yaml").write_text(f"# {b.name}\n")
            bundles.append(dataclasses.replace(b, url=f"{url}/{b.name}.yaml",
                                               sha256=hashlib.sha256(f"# {b.name}\n".encode()).hexdigest()))
    monkeypatch.setattr(addons, "BUNDLES", tuple(bundles))
    return tmp_path / "cache"


def settings(cache: Path, **values):
    raw = {f"{PROJECT}:{k}": v for k, v in {"sourceCache": str(cache), **values}.items()}
    return load(raw, stack="t", base_dir=ROOT, host_files=False)


def test_up_fetches_what_is_missing_once_then_uses_the_verified_cache(upstream):
    lines = []
    s, problems, warnings = provide(settings(upstream, kubernetesBuild="source"), fetch=True, strict=True,
                                    progress=lines.append)
    assert problems == [] and warnings == []
    # A Kind stack without SR-IOV workers: Calico, Multus, MetalLB (the SR-IOV bundles are not its own).
    assert len(lines) == 3 + 3, "one progress line per fetch: 3 checkouts, the stack's bundles"
    assert s.controller.checkout == str(upstream / "controller/v1.1.0")
    assert Path(s.controller.checkout, "src/x.yaml").is_file()
    assert Path(s.kind_source, "images/base/Dockerfile").is_file()
    assert s.kubernetes_source == str(upstream / "kubernetes/v1.31.0")
    assert s.addon_manifests == str(upstream / "addons")
    assert Path(s.addon_manifests, "metallb-v0.14.8.yaml").is_file()
    assert not Path(s.addon_manifests, "nv-ipam-v0.3.5").exists()
    again = []
    assert provide(settings(upstream, kubernetesBuild="source"), fetch=True, strict=True,
                   progress=again.append)[0] == s
    assert again == []


def test_a_release_build_fetches_no_kubernetes_tree(upstream):
    # kubernetesBuild: release (the default): kind downloads kubernetesVersion's binaries itself.
    lines = []
    s, problems, _ = provide(settings(upstream), fetch=True, strict=True, progress=lines.append)
    assert problems == [] and s.kubernetes_source == "" and s.kubernetes_build == "release"
    assert not [line for line in lines if "kubernetesSource" in line]


def test_preview_with_fetch_fills_the_cache_then_renders_everything_offline(upstream, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OPENKASUGAI_AIO_CACHE", str(upstream))
    out = tmp_path / "out"
    assert preview(["--stack", "dev", "--out", str(out), "--quiet", "--fetch"]) == 0
    err = capsys.readouterr().err
    assert err.count("fetching ") == 2 + len(addons.BUNDLES) and "warning: controllerCheckout" not in err
    assert preview(["--stack", "dev", "--out", str(out), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "fetching " not in err and not [w for w in err.splitlines() if w.startswith(
        ("warning: controllerCheckout", "warning: addonManifests", "warning: kindSource", "warning: kubernetesSource"))]
    files = [m.name for m in (out / "manifests").iterdir()]
    assert sum("-customresourcedefinition-" in f for f in files) == 20
    names = {r["name"] for r in json.loads((out / "resources.json").read_text())}
    assert {"addons-calico", "addons-nv-ipam", "function-images-cpufunc_calcapp", "scenario-p3c1"} <= names


def test_offline_without_cache_warns_per_key_and_strict_makes_them_errors(upstream):
    s, problems, warnings = provide(settings(upstream, kubernetesBuild="source"), fetch=False, strict=False,
                                    progress=pytest.fail)
    assert problems == []
    assert [w.split(":", 1)[0] for w in warnings] == ["controllerCheckout", "kindSource", "kubernetesSource",
                                                       "addonManifests"]
    assert (s.controller.checkout, s.kind_source, s.kubernetes_source, s.addon_manifests) == ("", "", "", "")
    _, problems, warnings = provide(settings(upstream, kubernetesBuild="source"), fetch=False, strict=True,
                                    progress=pytest.fail)
    assert warnings == [] and len(problems) == 4


def test_a_tampered_cache_is_an_error_naming_the_key_even_offline(upstream):
    provide(settings(upstream), fetch=True, strict=True, progress=lambda _: None)
    (upstream / "addons/multus-v4.1.1.yaml").write_text("changed\n")
    repo = upstream / "controller/v1.1.0"
    subprocess.run([*GIT, "-C", str(repo), "commit", "-q", "--allow-empty", "-m", "local"], check=True)
    _, problems, _ = provide(settings(upstream), fetch=False, strict=False, progress=pytest.fail)
    assert any(p.startswith("controllerCheckout: the cached ") and "remove that folder" in p for p in problems)
    assert any(p.startswith(f"addonManifests: {upstream}/addons/multus-v4.1.1.yaml has SHA-256") for p in problems)


def test_given_paths_are_used_as_they_are(upstream, tmp_path):
    given = tmp_path / "mine"
    for b in addons.BUNDLES:
        if b.kustomize:
            (given / b.local_name / b.folder).mkdir(parents=True)
        else:
            (given / b.local_name).parent.mkdir(parents=True, exist_ok=True)
            (given / b.local_name).write_text(f"# {b.name}\n")
    (tmp_path / "k8s").mkdir()
    s, problems, warnings = provide(settings(upstream, addonManifests=str(given), kubernetesSource=str(tmp_path / "k8s"),
                                             externalKubeconfig=""),
                                    fetch=False, strict=True, progress=pytest.fail)
    assert s.addon_manifests == str(given) and s.kubernetes_source == str(tmp_path / "k8s")
    assert sorted(p.split(":", 1)[0] for p in problems) == ["controllerCheckout", "kindSource"]
    (given / "metallb-v0.14.8.yaml").unlink()
    _, problems, _ = provide(settings(upstream, addonManifests=str(given)), fetch=True, strict=True,
                             progress=lambda _: None)
    assert f"addonManifests: {given} has no metallb-v0.14.8.yaml" in " ".join(problems)


def test_a_kubernetes_version_without_a_pin_needs_kubernetes_source(upstream):
    _, problems, _ = provide(settings(upstream, kubernetesVersion="v1.30.2", crioVersion="1.30", kubernetesBuild="source"),
                             fetch=True, strict=True, progress=lambda _: None)
    assert [p for p in problems if p.startswith("kubernetesSource: no commit is pinned for kubernetesVersion v1.30.2")]
    _, problems, _ = provide(settings(upstream, kubernetesVersion="v1.30.2", crioVersion="1.30"), fetch=True, strict=True,
                             progress=lambda _: None)
    assert not [p for p in problems if p.startswith("kubernetesSource")], "a release build needs no pin"


def test_the_real_pins_are_full_commits():
    for pin in (pins.controller("v1.1.0"), pins.controller("v1.0.0"), pins.KIND, pins.kubernetes("v1.31.0")):
        assert len(pin.commit) == 40 and pin.url.startswith("https://github.com/")
    assert pins.controller("v1.1.0").commit.startswith("445aa901")


def test_an_external_cluster_needs_only_the_multus_bundle(upstream, tmp_path):
    # The external profile applies Multus alone (no Calico, MetalLB or SR-IOV): a folder holding only that
    # bundle is complete; the other bundles are not asked for, fetched or verified.
    multus = next(b for b in addons.BUNDLES if b.name == "multus")
    given = tmp_path / "multus-only"
    given.mkdir()
    (given / multus.local_name).write_text("# multus\n")
    kubeconfig = ROOT / "tests/stacks/external-kubeconfig.yaml"  # settings read it: a kubeconfig with a context
    images = {n: f"r.example/{n}:1" for n in ("cpufunc_calcapp", "cpufunc_sidecar", "cpufunc_gst", "send_video_tool")}
    s, problems, _ = provide(settings(upstream, addonManifests=str(given), externalKubeconfig=str(kubeconfig),
                                      workers=[{"name": "node-a"}], hostCpuModel="x", functionImages=images,
                                      controllerCheckout=str(write_checkout(tmp_path / "c"))),
                             fetch=False, strict=True, progress=pytest.fail)
    assert not [p for p in problems if p.startswith("addonManifests")], problems
    assert s.addon_manifests == str(given)
    assert [b.name for b in addons.bundles_for(kind=False, sriov=False)] == ["multus"]
    assert [b.name for b in addons.bundles_for(kind=True, sriov=False)] == ["calico", "multus", "metallb"]


def test_up_builds_the_gpu_image_from_a_folder_holding_only_the_driver(upstream, tmp_path):
    # The acc build's named context is the driver's folder: given in place, that is ~ or work/ beside the videos.
    home = tmp_path / "home"
    (home / "DATA/video").mkdir(parents=True)
    (home / "DATA/video/big.mp4").write_bytes(b"\0" * 4096)
    driver = write_nvidia_run(home / "NVIDIA-Linux-x86_64-550.90.12.run")
    given = dataclasses.replace(settings(upstream), gpu_driver_file=str(driver))
    s, problems, _ = provide(given, fetch=True, strict=True, progress=lambda line: None)
    staged = Path(s.gpu_driver_file)
    assert problems == [] and staged.name == driver.name and staged.read_bytes() == driver.read_bytes()
    assert staged.parent.parent == upstream / "gpu-driver" and list(staged.parent.iterdir()) == [staged]
    assert provide(given, fetch=True, strict=True, progress=lambda line: None)[0].gpu_driver_file == str(staged)
    offline = provide(given, fetch=False, strict=False, progress=lambda line: None)[0]
    assert offline.gpu_driver_file == str(driver)  # the offline preview writes nothing
