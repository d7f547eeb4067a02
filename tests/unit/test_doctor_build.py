"""doctor's build checks on fake roots and a fake runner (issue 17 items 4, 5, 9 and its "Also")."""
from __future__ import annotations

import re
import subprocess
import types

import pytest

from host import doctor, doctor_build as db
from host.runner import Result
from renderers.imagespec import DOCKERFILES, UBUNTU_BASE

JAMMY_GA = ("Linux version 5.15.0-119-generic (buildd@lcy02-amd64-075) (gcc (Ubuntu 11.4.0-1ubuntu1~22.04) "
            "11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #129-Ubuntu SMP Fri Aug 2 19:25:20 UTC 2024\n")
JAMMY_HWE = ("Linux version 6.8.0-40-generic (buildd@lcy02-amd64-078) (x86_64-linux-gnu-gcc-12 (Ubuntu "
             "12.3.0-1ubuntu1~22.04) 12.3.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #40~22.04.3-Ubuntu SMP\n")
NOBLE = ("Linux version 6.8.0-45-generic (buildd@lcy02-amd64-115) (x86_64-linux-gnu-gcc-13 (Ubuntu "
         "13.2.0-23ubuntu4) 13.2.0, GNU ld (GNU Binutils for Ubuntu) 2.42) #45-Ubuntu SMP\n")
DEBIAN = ("Linux version 6.1.0-25-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, "
          "GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.106-3\n")
EFI = "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-e98c2bbf4bcb"


def root_with(tmp_path, version=JAMMY_GA, secure_boot=None, watches="524288", instances="512"):
    root = tmp_path / "root"
    (root / "proc/sys/fs/inotify").mkdir(parents=True)
    (root / "proc/version").write_text(version)
    (root / "proc/sys/fs/inotify/max_user_watches").write_text(watches + "\n")
    (root / "proc/sys/fs/inotify/max_user_instances").write_text(instances + "\n")
    if secure_boot is not None:
        (root / EFI).parent.mkdir(parents=True)
        (root / EFI).write_bytes(b"\x06\x00\x00\x00" + bytes([secure_boot]))
    return str(root)


def by_name(lines):
    return {c["check"]: c for c in lines}


@pytest.mark.parametrize("version, headers, compiler", [
    (JAMMY_GA, True, True), (JAMMY_HWE, True, True),  # jammy's GA (gcc 11) and HWE (gcc 12) kernels
    (NOBLE, False, False),  # noble's 6.8 has jammy's HWE release name, but gcc 13, which jammy lacks
    (DEBIAN, False, True),  # no Ubuntu headers package at all
])
def test_the_gpu_image_needs_a_jammy_kernel_and_a_jammy_compiler(tmp_path, version, headers, compiler):
    got = by_name(db.kernel_build(root_with(tmp_path, version), "6.8.0-45-generic"))
    assert got["build:kernel-headers"]["ok"] is headers and got["build:compiler"]["ok"] is compiler
    if not headers:
        assert "apt install linux-generic-hwe-22.04" in got["build:kernel-headers"]["detail"]
    if not compiler:
        assert "gcc 13" in got["build:compiler"]["detail"]


def test_secure_boot_on_fails_with_what_to_do(tmp_path):
    got = by_name(db.kernel_build(root_with(tmp_path, secure_boot=1), "5.15.0-119-generic"))
    assert got["build:secure-boot"]["ok"] is False and "turn Secure Boot off" in got["build:secure-boot"]["detail"]
    got = by_name(db.kernel_build(root_with(tmp_path / "off", secure_boot=0), "5.15.0-119-generic"))
    assert got["build:secure-boot"]["ok"] is True


def test_inotify_limits_below_kinds_known_issues_values_fail_naming_the_sysctl(tmp_path):
    line = db.inotify(root_with(tmp_path, watches="8192", instances="128"))
    assert line["ok"] is False
    assert "sudo sysctl fs.inotify.max_user_watches=524288 && sudo sysctl fs.inotify.max_user_instances=512" \
        in line["detail"]
    assert db.inotify(root_with(tmp_path / "ok"))["ok"] is True


class Runner:
    """A runner of a root that has `tools` (all of them when None), answering `answers` by argv prefix."""

    root = "/"

    def __init__(self, answers, tools=None):
        self.answers, self.calls, self.tools = answers, [], tools

    def which(self, tool):
        return f"/usr/bin/{tool}" if self.tools is None or tool in self.tools else None

    def run(self, argv, check=True):
        self.calls.append(list(argv))
        for prefix, (rc, out) in self.answers.items():
            if " ".join(argv).startswith(prefix):
                return Result(list(argv), rc, out)
        return Result(list(argv), 127, "", "not found")


BUILDX_DOCKER = "Name:   default\nDriver: docker\n\nNodes:\nName:      default\nBuildKit version: v0.13.2\n"
BUILDX_OLD = "Name:   default\nDriver: docker\nNodes:\nName: default\nBuildkit: v0.12.5\n"
BUILDX_CONTAINER = "Name:   multi\nDriver: docker-container\nNodes:\nName: multi0\nBuildKit version: v0.15.1\n"


@pytest.mark.parametrize("text, ok, says", [(BUILDX_DOCKER, True, "BuildKit 0.13.2"),
                                            (BUILDX_OLD, False, "older than 0.13"),
                                            (BUILDX_CONTAINER, False, "docker buildx use default")])
def test_the_builder_must_be_dockerds_own_with_buildkit_0_13(text, ok, says):
    line = db.builder(Runner({"docker buildx inspect": (0, text)}))
    assert line["ok"] is ok and says in line["detail"]


def test_tool_versions_are_compared_with_the_documented_minimums():
    runner = Runner({"docker version": (0, "25.0.3\n"), "kind version": (0, "kind v0.24.0 go1.22.6 linux/amd64\n"),
                     "pulumi version": (0, "v3.150.0\n"), "make --version": (0, "GNU Make 4.3\n")})
    got = by_name(db.tool_versions(runner, source_build=True))
    assert got["version:docker"]["ok"] is False and "25.0.3 is older than 26.0" in got["version:docker"]["detail"]
    assert got["version:kind"]["ok"] is True and got["version:make"]["ok"] is True
    assert got["version:pulumi"]["ok"] is False and "3.272" in got["version:pulumi"]["detail"]
    assert "version:make" not in by_name(db.tool_versions(runner))  # a release build compiles nothing


def test_make_missing_for_a_source_build_says_why_it_is_needed():
    line = by_name(db.tool_versions(Runner({}, tools={"docker", "kind", "pulumi"}), source_build=True))["version:make"]
    assert line["ok"] is False and "make quick-release-images" in line["detail"]


def test_a_missing_tool_is_reported_once_by_doctor_not_again_by_its_version_or_the_builder(tmp_path, monkeypatch):
    # Seen on a GPU host without Docker: tool:docker, version:docker and builder all failed for one cause.
    monkeypatch.setattr(doctor, "stack_checks", lambda *a, **k: [])
    got = doctor.run(Runner({}, tools={"kind", "kubectl", "pulumi"}), root=root_with(tmp_path, NOBLE))
    about_docker = [c["check"] for c in got if "docker" in c["check"] or c["check"] == "builder"]
    assert about_docker == ["tool:docker"]


def test_the_archive_check_asks_apt_in_the_base_image_the_build_uses():
    runner = Runner({"docker run": (0, "linux-headers-5.15.0-119-generic:\n  Installed: (none)\n"
                                       "  Candidate: 5.15.0-119.129\n")})
    line = db.headers_in_archive(runner, "5.15.0-119-generic")
    assert line["ok"] is True and runner.calls[0][:4] == ["docker", "run", "--rm", UBUNTU_BASE]
    gone = Runner({"docker run": (0, "linux-headers-5.15.0-60-generic:\n  Candidate: (none)\n")})
    assert "apt upgrade" in db.headers_in_archive(gone, "5.15.0-60-generic")["detail"]


def test_doctor_runs_the_build_checks_for_a_gpu_stack(tmp_path, monkeypatch):
    monkeypatch.setattr(doctor, "TOOLS", {})
    monkeypatch.setattr(doctor, "stack_checks", lambda *a, **k: [])
    s = types.SimpleNamespace(uses_kind=True, kubernetes_build="source", gpu_worker=object())
    got = by_name(doctor.run(Runner({}), root=root_with(tmp_path, NOBLE), settings=s))
    assert {"version:make", "builder", "inotify", "build:kernel-headers", "build:compiler",
            "build:secure-boot"} <= set(got)
    assert got["build:compiler"]["ok"] is False


def test_the_gpu_image_builds_with_the_kernels_compiler_major(tmp_path):
    text = re.sub(r"\\\n", " ", (DOCKERFILES / "acc/Dockerfile").read_text())
    found = re.search(r'cd "/usr/src/linux-headers-\$\{KERNEL_RELEASE\}/include/config" +&& gcc_major="\$\((sed .*?auto\.conf)\)"',
                      text)
    assert found and 'CC="gcc-${gcc_major}" sh /tmp/driver.run' in text
    conf = tmp_path / "usr/src/linux-headers-6.8.0-40-generic/include/config"
    conf.mkdir(parents=True)
    (conf / "auto.conf").write_text("CONFIG_CC_VERSION_TEXT=\"x86_64-linux-gnu-gcc-12 (Ubuntu 12.3.0)\"\n"
                                    "CONFIG_GCC_VERSION=120300\nCONFIG_CC_IS_GCC=y\n")
    out = subprocess.run(["sh", "-c", found.group(1)], cwd=conf, capture_output=True, text=True).stdout
    assert out.strip() == "12"


def test_doctor_build_names_the_base_image_the_build_uses():
    assert db.UBUNTU_JAMMY == UBUNTU_BASE
