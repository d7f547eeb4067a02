"""Registry hosts and OCI image references, checked with the grammar of the distribution project
(github.com/distribution/reference) so that a value that docker or CRI-O would refuse is refused here."""
from __future__ import annotations

import ipaddress
import re
from typing import Optional

from .decode import Problems

_LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
HOST = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
TAG = re.compile(r"[\w][\w.-]{0,127}")
DIGEST = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}")


def host_port(key: str, value: str, problems: Problems) -> Optional[str]:
    """`host[:port]`: a DNS name or an IPv4 address, a port from 1 to 65535, no scheme and no path."""
    if "://" in value:
        problems.add(key, f"{value!r} has a scheme; give only host[:port] (like 192.168.10.100 or "
                          "harbor.example.com:8443)")
        return None
    if "/" in value:
        problems.add(key, f"{value!r} has a path; give only host[:port] (the project goes in registry.project)")
        return None
    host, sep, port = value.partition(":")
    if not HOST.fullmatch(host):
        problems.add(key, f"{value!r} is not host[:port] (a DNS name or an IPv4 address, then an optional :port)")
        return None
    if sep and (not port.isdigit() or not 1 <= int(port) <= 65535):
        problems.add(key, f"{value!r}: the port {port!r} is not a number from 1 to 65535")
        return None
    return host


def host_address(host: str) -> Optional[ipaddress.IPv4Address]:
    """The address of a host given as an IPv4 literal; None for a DNS name."""
    try:
        return ipaddress.IPv4Address(host)
    except ValueError:
        return None


def _domain(first: str) -> bool:
    # As docker reads a name: the first component is a registry when it has a '.' or a ':' or is localhost.
    return "." in first or ":" in first or first == "localhost"


def _path_problem(value: str, allow_bare_domain: bool) -> Optional[str]:
    """What is wrong with a repository path (`[domain[:port]/]component/...`), or None."""
    parts = value.split("/")
    if _domain(parts[0]):
        domain, rest = parts[0], parts[1:]
        host, sep, port = domain.partition(":")
        if not HOST.fullmatch(host) or (sep and not port.isdigit()):
            return f"the registry {domain!r} is not host[:port]"
        if sep and not 1 <= int(port) <= 65535:
            return f"the registry port {port!r} is not from 1 to 65535"
    else:
        rest = parts
    if not rest and not allow_bare_domain:
        return "no repository after the registry"
    for part in rest:
        if not part:
            return "an empty path component ('//' or a trailing '/')"
        if not PATH_COMPONENT.fullmatch(part):
            return (f"the path component {part!r} is not lower-case letters and digits "
                    "separated by '.', '_', '__' or '-'")
    return None


def repository_path(key: str, value: str, problems: Problems, allow_bare_domain: bool = False) -> bool:
    """A registry path that names get appended to: no tag, no digest. allow_bare_domain: a registry
    alone (host[:port]) is a path too."""
    if not value:
        problems.add(key, "is empty; give a registry path like ghcr.io/openkasugai/controller")
        return False
    parts = value.split("/")
    if "@" in value or (":" in parts[-1] and (len(parts) > 1 or not allow_bare_domain)):
        problems.add(key, f"{value!r} has a tag or digest; give a registry path without one (names and "
                          "tags are appended to it)")
        return False
    problem = _path_problem(value, allow_bare_domain)
    if problem:
        problems.add(key, f"{value!r} is not a registry path: {problem}")
        return False
    return True


def image_reference(key: str, value: str, problems: Problems) -> bool:
    """A complete image reference: name[:tag][@digest]."""
    name, at, digest = value.partition("@")
    if at and not DIGEST.fullmatch(digest):
        problems.add(key, f"{value!r}: {digest!r} is not a digest like sha256:<64 hex digits>")
        return False
    if ":" in name.rsplit("/", 1)[-1]:
        name, _, tag = name.rpartition(":")
        if not TAG.fullmatch(tag):
            problems.add(key, f"{value!r}: the tag {tag!r} is not valid (letters, digits, '_', '.', '-'; "
                              "at most 128)")
            return False
    if not name:
        problems.add(key, f"{value!r} names no image")
        return False
    problem = _path_problem(name, allow_bare_domain=False)
    if problem:
        problems.add(key, f"{value!r} is not an image reference: {problem}")
        return False
    return True
