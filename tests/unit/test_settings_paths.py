"""Path keys point where they may (judged after resolution, symbolic links followed) and name files of
their kind: a PEM CA certificate, a kubeconfig with a current context, NVIDIA's makeself installer."""
from __future__ import annotations

import copy

import pytest

from settings import SettingsError, contents, paths
from tests.host_files import CA_CERTIFICATE, NVIDIA_RUN_STUB
from tests.unit.test_settings import _load, _set, full, host, refused  # noqa: F401  (host is a fixture)
from tests.unit.test_settings_rules import EXTERNAL_KUBECONFIG, _all, _external

HOMES = ("/home/alice", "/root")
PULUMI = "/home/alice/.pulumi"


@pytest.mark.parametrize("key,path", [
    ("videoDir", "/"), ("videoDir", "/etc"), ("videoDir", "/var"), ("videoDir", "/var/lib"),
    ("videoDir", "/home"), ("videoDir", "/home/alice"), ("videoDir", "/root"), ("videoDir", "/usr"),
    ("videoDir", "/etc/ssl/private"), ("videoDir", "/run/docker"), ("videoDir", "/home/alice/.kube"),
    ("videoDir", "/home/alice/.config/gh"), ("sourceCache", "/var/lib/docker/volumes"),
    ("hostClaimsDir", "/home/alice/.pulumi/claims"), ("hostClaimsDir", "/root/.ssh"),
    ("controllerCheckout", "/proc/1/root"), ("kindSource", "/sys/class/net"), ("addonManifests", "/boot/grub"),
    ("kubernetesSource", "/dev"), ("registry.caFile", "/proc/self/environ"), ("registry.caFile", "/dev/zero"),
    ("externalKubeconfig", "/root/.ssh/id_rsa"), ("gpuDriverFile", "/home/alice/.gnupg/x.run"),
    ("gpuDriverFile", "/var/lib/docker/overlay2/x/NVIDIA.run"), ("externalKubeconfig", "/home/alice/.pulumi/x"),
])
def test_a_path_key_never_points_at_or_into_a_guarded_folder(key, path):
    assert paths.problem(key, path, HOMES, PULUMI), (key, path)


@pytest.mark.parametrize("key,path", [
    ("videoDir", "/home/alice/videos"), ("videoDir", "/srv/video"), ("hostClaimsDir", "/var/lib/openkasugai-aio"),
    ("sourceCache", "/home/alice/.cache/openkasugai-aio"), ("controllerCheckout", "/opt/src/controller"),
    ("registry.caFile", "/etc/docker/certs.d/harbor/ca.crt"), ("externalKubeconfig", "/home/alice/.kube/config"),
    ("externalKubeconfig", "/etc/kubernetes/admin.conf"), ("gpuDriverFile", "/root/NVIDIA-Linux-x86_64-550.run"),
    ("videoDir", "/root/work/DATA/video"),
])
def test_a_path_key_may_point_at_a_folder_or_file_of_its_own(key, path):
    assert paths.problem(key, path, HOMES, PULUMI) is None, (key, path)


@pytest.mark.parametrize("value", ["", "relative/claims", "~/claims", "../../../../root/.ssh"])
def test_the_claims_folder_is_absolute_as_written(value):
    assert paths.claims_dir_shape(value)


def test_a_symbolic_link_is_judged_where_it_leads(host):
    (host / "videos").symlink_to("/etc")
    problems = refused(host, _set("videoDir", str(host / "videos")))
    assert [p for p in problems if p.startswith("videoDir: ") and "resolves to /etc" in p], problems


def test_a_dangerous_path_is_refused_offline_too(host):
    values = copy.deepcopy(full(host))
    values["videoDir"] = "/"
    with pytest.raises(SettingsError) as err:
        _load(values, host_files=False, warnings=[])
    assert [p for p in err.value.problems if p.startswith("videoDir: '/' resolves to /, the whole filesystem")]


PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n"


@pytest.mark.parametrize("content,says", [
    ("", "holds no PEM certificate"), ("root:*:19000:0:99999:7:::\n", "holds no PEM certificate"),
    (CA_CERTIFICATE + PRIVATE_KEY, "holds a 'PRIVATE KEY' block"),
    ("-----BEGIN CERTIFICATE-----\nTUlJQ-not-a-certificate\n-----END CERTIFICATE-----\n", "not a valid PEM"),
    (CA_CERTIFICATE.replace("MIIB", "MIIC", 1), "not a valid PEM"),
    (CA_CERTIFICATE[: len(CA_CERTIFICATE) // 2], "not a valid PEM"),
    ("x" * (contents.MAX_TEXT + 1), "larger than"), (b"\xff\xfe\x00" * 3, "is not text"),
])
def test_a_ca_file_holds_certificates_and_nothing_else(tmp_path, content, says):
    path = tmp_path / "ca.crt"
    path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    assert says in (contents.ca_certificate(tmp_path / "ca.crt") or "")


def test_a_real_ca_certificate_and_a_bundle_pass(tmp_path):
    (tmp_path / "ca.crt").write_text(CA_CERTIFICATE)
    (tmp_path / "bundle.crt").write_text(f"# Harbor\n{CA_CERTIFICATE}\n{CA_CERTIFICATE}")
    assert contents.ca_certificate(tmp_path / "ca.crt") is None
    assert contents.ca_certificate(tmp_path / "bundle.crt") is None


KUBECONFIG = ("apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://10.0.0.1:6443'}}]\n"
              "contexts: [{name: ctx, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {token: t}}]\n")
BOMB = "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b]\n"


@pytest.mark.parametrize("content,says", [
    (KUBECONFIG, "has no current-context"),
    (KUBECONFIG + "current-context: ''\n", "has no current-context"),
    (KUBECONFIG + "current-context: other\n", "names the current-context 'other'"),
    (KUBECONFIG.replace("kind: Config", "kind: Pod") + "current-context: ctx\n", "is not a kubeconfig"),
    ("- a list\n", "is not a kubeconfig"), ("just text\n", "is not a kubeconfig"),
    (BOMB + "current-context: ctx\n", "anchors and aliases"),
    ("current-context: ctx\ncontexts: {ctx: 1}\n", "is not a kubeconfig"),
    ("{{{{", "not valid YAML"),
])
def test_an_external_kubeconfig_has_a_current_context_and_no_alias(tmp_path, content, says):
    (tmp_path / "kubeconfig").write_text(content)
    assert says in (contents.kubeconfig(tmp_path / "kubeconfig") or ""), contents.kubeconfig(tmp_path / "kubeconfig")


def test_the_tests_kubeconfig_is_one():
    from pathlib import Path
    assert contents.kubeconfig(Path(EXTERNAL_KUBECONFIG)) is None


@pytest.mark.parametrize("content,says", [
    (b"\x7fELF\x02\x01\x01" + b"\0" * 64, "does not start with #!/bin/sh"),
    (b"echo hi\n", "does not start with #!/bin/sh"),
    (b"#!/bin/sh\necho 'not a driver'\n", "not NVIDIA's driver installer"),
    (b'#!/bin/sh\nlabel="Some Other Makeself"\nscript=./setup.sh\n', "not NVIDIA's driver installer"),
    (b"", "does not start with #!/bin/sh"),
])
def test_a_driver_file_is_nvidias_makeself_installer(tmp_path, content, says):
    (tmp_path / "NVIDIA-Linux-x86_64-550.90.12.run").write_bytes(content)
    assert says in (contents.nvidia_installer(tmp_path / "NVIDIA-Linux-x86_64-550.90.12.run") or "")


def test_the_nvidia_stub_passes(tmp_path):
    (tmp_path / "NVIDIA.run").write_text(NVIDIA_RUN_STUB)
    assert contents.nvidia_installer(tmp_path / "NVIDIA.run") is None


@pytest.mark.parametrize("key,mutate", [
    ("registry.caFile", lambda h: _set("registry.caFile", str(h / "key.pem"))),
    ("gpuDriverFile", lambda h: _set("gpuDriverFile", str(h / "fake.run"))),
    ("externalKubeconfig", lambda h: _all(_external([{"name": "node-a"}]),
                                          _set("externalKubeconfig", str(h / "no-context.yaml")))),
])
def test_a_file_of_the_wrong_kind_is_refused_naming_its_key(host, key, mutate):
    (host / "key.pem").write_text(PRIVATE_KEY)
    (host / "fake.run").write_text("#!/bin/sh\nrm -rf /\n")
    (host / "no-context.yaml").write_text(KUBECONFIG)
    problems = refused(host, mutate(host))
    assert [p.split(": ")[0] for p in problems if p.startswith(key)] == [key], problems
