"""Where a path key may point, judged on the path after resolution (symbolic links followed): never `/`,
a system folder or a folder that holds one, never inside a pseudo filesystem or a folder of secrets, and a
folder that is mounted into the nodes, written to or sent to Docker as a build context never inside /etc
or /run either. Pure: preflight resolves the path and passes this user's home and Pulumi folder."""
from __future__ import annotations

from pathlib import PurePosixPath
from typing import Optional

from facts.shared import CLAIMS_DIR

from .text import clip, show

# Mounted into a node (videoDir, by hostPath into a pod too), written (hostClaimsDir, sourceCache, and a
# hostRoot other than the real host's "/", which the host operations act in) or sent whole to
# `docker build` / `kind build node-image` as root (the checkouts and sources).
FOLDER_KEYS = ("videoDir", "hostClaimsDir", "sourceCache", "controllerCheckout", "kindSource", "kubernetesSource",
               "addonManifests", "hostRoot")
# Read (and the CA mounted into every node): their content is checked too (contents.py).
FILE_KEYS = ("registry.caFile", "externalKubeconfig", "gpuDriverFile")
SYSTEM = ("/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/proc", "/root", "/run", "/sbin",
          "/sys", "/usr", "/var", "/var/lib", "/var/lib/docker", "/var/run")
# No path key points inside these: devices and kernel state, the boot loader, Docker's storage.
PSEUDO = ("/dev", "/proc", "/sys", "/boot", "/var/lib/docker")
# Nor inside these folders of a user's home (home-relative): keys, tokens and the Pulumi state.
SECRETS = (".ssh", ".gnupg")
# Folders (FOLDER_KEYS) also never inside these: the host's configuration and runtime sockets.
FOLDERS_NEVER_IN = ("/etc", "/run", "/var/run")
FOLDERS_NEVER_IN_HOME = (".kube", ".docker", ".config")


def claims_dir_shape(value: Optional[str]) -> Optional[str]:
    """What is wrong with hostClaimsDir as written (validation; preflight judges where it resolves to)."""
    if value is None:
        return None
    if not value:
        return "is empty; leave it out for the host's claims folder, or give an absolute path"
    if not value.startswith("/"):
        return (f"{show(value)} is not an absolute path: the claims folder is the host's, not the stack's "
                f"(like {CLAIMS_DIR})")
    return None


def problem(key: str, resolved: str, homes: tuple[str, ...], pulumi_home: str) -> Optional[str]:
    """Why `key` may not point at `resolved` (absolute, symbolic links followed), or None.

    homes: the home folders whose secrets are guarded (this user's and root's); pulumi_home: the Pulumi
    CLI's folder ($PULUMI_HOME, else ~/.pulumi: credentials, plugins, a local backend's state)."""
    path = PurePosixPath(resolved)
    if not path.is_absolute():
        return f"{show(resolved)} is not absolute after resolution"
    never_in = [*PSEUDO, pulumi_home, *(f"{h}/{d}" for h in homes for d in SECRETS)]
    if key in FOLDER_KEYS:
        never_in += [*FOLDERS_NEVER_IN, *(f"{h}/{d}" for h in homes for d in FOLDERS_NEVER_IN_HOME)]
    guarded = [*SYSTEM, *never_in, *homes]
    held = next((g for g in guarded if PurePosixPath(g).is_relative_to(path)), None)
    if held:
        what = ("the whole filesystem" if str(path) == "/" else
                f"a folder that holds {clip(held)}" if held != str(path) else
                "a home folder" if held in homes else "a system folder" if held in SYSTEM else
                "a folder of keys, tokens or system state")
        return f"resolves to {clip(path)}, {what}; {_ADVICE[key in FOLDER_KEYS]}"
    inside = next((g for g in never_in if path.is_relative_to(g)), None)
    if inside:
        return f"resolves to {clip(path)}, inside {clip(inside)}; {_ADVICE[key in FOLDER_KEYS]}"
    return None


_ADVICE = {
    True: "give a folder of its own (it is mounted into the nodes, written to, or sent to a container build)",
    False: "give the file itself, outside system and secret folders",
}
