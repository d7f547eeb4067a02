"""doctor's checks for the image builds and Kind: tool versions against the documented minimums, the GPU
image's kernel build (headers, compiler, Secure Boot), the Docker builder and the inotify limits.

Standard library only, like doctor; every check reads files under an injectable root and runs commands
through the runner passed in, and every failing line says what to do (docs/facts.md §8.8)."""
from __future__ import annotations

import re
from pathlib import Path

# The documented minimums (docs/kind-host.md "Kind-host prerequisites"): Docker Engine 26 ships BuildKit
# 0.13, which pulumi-docker-build needs to push and load in one build; kind v0.23; the Pulumi CLI no older
# than the SDK.
MINIMUMS = {"docker": (26, 0), "buildkit": (0, 13), "kind": (0, 23), "pulumi": (3, 272)}
VERSION_ARGV = {"docker": ["docker", "version", "--format", "{{.Server.Version}}"],
                "kind": ["kind", "version"], "pulumi": ["pulumi", "version"], "make": ["make", "--version"]}
# kind's known-issues page ("Pod errors due to too many open files"): the values it asks for.
INOTIFY = {"max_user_watches": 524288, "max_user_instances": 512}
# Ubuntu jammy's compilers (gcc-9 to gcc-12); the GPU image builds the driver with the kernel's own major.
JAMMY_GCC = (9, 10, 11, 12)
SECURE_BOOT = "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-e98c2bbf4bcb"
UBUNTU_JAMMY = "ubuntu:jammy-20240911.1"  # imagespec.UBUNTU_BASE (doctor runs without the venv)


def _check(name: str, ok: bool | None, detail: str) -> dict:
    return {"check": name, "ok": ok, "detail": detail}


def _read(root: str, rel: str) -> str | None:
    try:
        return (Path(root) / rel).read_text()
    except OSError:
        return None


def version_of(text: str) -> tuple[int, ...] | None:
    found = re.search(r"v?(\d+)\.(\d+)(?:\.(\d+))?", text)
    return tuple(int(x) for x in found.groups() if x is not None) if found else None


def _shown(v: tuple[int, ...]) -> str:
    return ".".join(map(str, v))


def tool_versions(runner, source_build: bool = False) -> list[dict]:
    """Docker, the builder's BuildKit, kind and Pulumi against MINIMUMS; make when Kubernetes is compiled."""
    out = []
    fixes = {"docker": "upgrade Docker Engine (https://docs.docker.com/engine/install/)",
             "kind": "install kind v0.24.0 (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)",
             "pulumi": "upgrade the Pulumi CLI (`pulumi self-update` or https://www.pulumi.com/docs/install/)"}
    for tool, argv in VERSION_ARGV.items():
        if tool == "make" and not source_build:
            continue
        if not runner.which(tool):
            if tool == "make":  # doctor's tool: lines already report a missing docker, kind or pulumi
                out.append(_check("version:make", False, "make is not on PATH; install make (`apt-get install "
                                  "make`): kubernetesBuild: source runs `make quick-release-images`"))
            continue
        res = runner.run(argv, check=False)
        have = version_of(res.stdout or res.stderr) if res.ok else None
        if tool == "make":
            out.append(_check("version:make", res.ok, f"make {_shown(have) if have else '(version unknown)'} "
                                                     "(kubernetesBuild: source compiles Kubernetes with it)"))
            continue
        want = MINIMUMS[tool]
        if have is None:
            out.append(_check(f"version:{tool}", False, f"`{' '.join(argv)}` gave no version "
                              f"({(res.stderr or res.stdout).strip()[:120]}); {fixes[tool]}"))
        elif have[:2] < want:
            out.append(_check(f"version:{tool}", False, f"{tool} {_shown(have)} is older than {_shown(want)}; "
                              f"{fixes[tool]}"))
        else:
            out.append(_check(f"version:{tool}", True, f"{tool} {_shown(have)} (>= {_shown(want)})"))
    return out


def builder(runner) -> dict:
    """The builder pulumi-docker-build uses (the current buildx builder) must be dockerd's own: the node
    image layers build FROM images that exist only in Docker's image store, and push and load in one
    build need BuildKit 0.13 or newer."""
    res = runner.run(["docker", "buildx", "inspect"], check=False)
    if not res.ok:
        return _check("builder", False, f"`docker buildx inspect` failed: {(res.stderr or res.stdout).strip()[:160]}; "
                                        "install the buildx plugin (docker-buildx-plugin)")
    text = res.stdout
    driver = re.search(r"^Driver:\s*(\S+)", text, re.M)
    kit = re.search(r"^\s*(?:BuildKit version|Buildkit):\s*v?(\S+)", text, re.M)
    name = re.search(r"^Name:\s*(\S+)", text, re.M)
    if not driver or driver.group(1) != "docker":
        return _check("builder", False, f"the current builder {name.group(1) if name else '?'} uses the "
                      f"{driver.group(1) if driver else 'unknown'} driver: its builds cannot see images in "
                      "Docker's store; select dockerd's own builder: `docker buildx use default`")
    have = version_of(kit.group(1)) if kit else None
    if have is None or have[:2] < MINIMUMS["buildkit"]:
        return _check("builder", False, f"dockerd's BuildKit is {kit.group(1) if kit else 'of unknown version'}, "
                      "older than 0.13: pushing and loading in one build fails; upgrade Docker Engine to 26 or newer")
    return _check("builder", True, f"dockerd's own builder, BuildKit {_shown(have)}")


def inotify(root: str = "/") -> dict:
    low = []
    for name, want in INOTIFY.items():
        have = (_read(root, f"proc/sys/fs/inotify/{name}") or "").strip()
        if not have.isdigit() or int(have) < want:
            low.append((name, have or "unknown", want))
    if not low:
        return _check("inotify", True, ", ".join(f"{n} >= {w}" for n, w in INOTIFY.items()))
    fix = " && ".join(f"sudo sysctl fs.inotify.{n}={w}" for n, _, w in low)
    return _check("inotify", False, ", ".join(f"fs.inotify.{n} is {h}, kind asks for {w}" for n, h, w in low)
                  + f" (too many open files in pods); run `{fix}` and keep it in /etc/sysctl.d/")


def kernel_build(root: str, release: str) -> list[dict]:
    """What the GPU image's driver build needs from the running kernel: linux-headers-<release> from Ubuntu
    jammy, a compiler jammy has, and no Secure Boot (the module it builds is unsigned)."""
    version = _read(root, "proc/version") or ""
    gcc = re.search(r"gcc(?:-\d+)? \(([^)]*)\) (\d+)\.", version)
    jammy = "~22.04" in version or (gcc is not None and "22.04" in gcc.group(1))
    boot = "boot a jammy kernel (GA 5.15: `apt install linux-generic`, or HWE: `apt install linux-generic-hwe-22.04`)"
    if "Ubuntu" not in version:
        headers = _check("build:kernel-headers", False, f"{release} is not an Ubuntu kernel: the GPU image installs "
                         f"linux-headers-{release} from Ubuntu jammy, which has none; {boot}")
    elif not jammy:
        headers = _check("build:kernel-headers", False, f"{release} was not built for Ubuntu 22.04 (jammy) "
                         f"(/proc/version: {version.strip()[:100]}): the GPU image installs linux-headers-{release} "
                         f"from jammy, which may not have it; {boot}")
    else:
        headers = _check("build:kernel-headers", True, f"{release} is a jammy kernel: linux-headers-{release} "
                         "comes from jammy (doctor --archive looks it up there)")
    if gcc is None:
        compiler = _check("build:compiler", False, "/proc/version names no gcc: the kernel was built with another "
                          f"compiler, which jammy's driver build cannot match; {boot}")
    elif int(gcc.group(2)) not in JAMMY_GCC:
        compiler = _check("build:compiler", False, f"the kernel was built with gcc {gcc.group(2)}; jammy has gcc "
                          f"{', '.join(map(str, JAMMY_GCC))} only, and a module must be built with the kernel's "
                          f"compiler; {boot}")
    else:
        compiler = _check("build:compiler", True, f"gcc {gcc.group(2)} ({gcc.group(1)}), which the GPU image "
                          f"installs as gcc-{gcc.group(2)}")
    return [headers, compiler, secure_boot(root)]


def secure_boot(root: str) -> dict:
    raw = None
    try:
        raw = (Path(root) / SECURE_BOOT).read_bytes()
    except OSError:
        pass
    enforced = (_read(root, "sys/module/module/parameters/sig_enforce") or "").strip() == "Y"
    on = bool(raw and len(raw) >= 5 and raw[4] == 1)
    if on or enforced:
        why = "Secure Boot is on" if on else "module.sig_enforce is set"
        return _check("build:secure-boot", False, f"{why}: the kernel refuses the NVIDIA modules the GPU image "
                      "builds (unsigned); turn Secure Boot off in the firmware setup (or boot without "
                      "module.sig_enforce), then run doctor again")
    return _check("build:secure-boot", True, "Secure Boot off: unsigned modules load" if raw
                  else "no Secure Boot variable (legacy boot or no EFI): unsigned modules load")


def headers_in_archive(runner, release: str, image: str = UBUNTU_JAMMY) -> dict:
    """Network: ask apt in the base image the build uses whether jammy publishes linux-headers-<release>
    now (a superseded ABI drops out of the index). Pulls the image and the package lists (~60 MB)."""
    package = f"linux-headers-{release}"
    script = f"apt-get update -qq >/dev/null && apt-cache policy {package}"
    res = runner.run(["docker", "run", "--rm", image, "sh", "-c", script], check=False)
    candidate = re.search(r"Candidate:\s*(\S+)", res.stdout or "")
    if not res.ok:
        return _check("build:kernel-headers-archive", False, f"could not ask the jammy archive ({image}): "
                      f"{(res.stderr or res.stdout).strip()[-160:]}; check the network and Docker Hub access")
    if not candidate or candidate.group(1) == "(none)":
        return _check("build:kernel-headers-archive", False, f"jammy publishes no {package} any more: "
                      "`apt upgrade` the host's kernel and reboot into it, then build again")
    return _check("build:kernel-headers-archive", True, f"jammy publishes {package} {candidate.group(1)}")


def checks(settings, runner, root: str, release: str, archive=None) -> list[dict]:
    """What doctor adds: the tools, the builder and inotify for any host; with a stack (Settings) that uses
    Kind, make for a source build and the kernel checks for a GPU worker (archive: a runner for the
    network look-up, `doctor --archive`)."""
    if settings is not None and not settings.uses_kind:
        return []
    source = settings is not None and settings.kubernetes_build == "source"
    out = tool_versions(runner, source_build=source)
    if runner.which("docker"):  # else doctor's tool:docker line says so, once
        out.append(builder(runner))
    out.append(inotify(root))
    if settings is not None and settings.gpu_worker is not None:
        out += kernel_build(root, release)
        if archive is not None:
            out.append(headers_in_archive(archive, release))
    return out
