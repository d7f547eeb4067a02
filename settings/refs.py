"""Registry hosts and OCI image references, checked with the grammar of the distribution project
(github.com/distribution/reference) so that a value that docker or CRI-O would refuse is refused here."""
from __future__ import annotations

import ipaddress
from typing import Optional

from .decode import Problems
from .text import has_userinfo, number, pattern, show, whole

_LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
HOST = pattern(rf"{_LABEL}(?:\.{_LABEL})*")
# A host whose last label is all digits is no DNS name (RFC 3696 2): it must be an IPv4 address.
NUMERIC_HOST = pattern(r"(?:.*\.)?[0-9]+")
PATH_COMPONENT = pattern(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
TAG = pattern(r"\w[\w.-]{0,127}")
DIGEST = pattern(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}")
_HOST_PORT = "host[:port] (a DNS name or an IPv4 address, then an optional :port)"


def host_port(key: str, value: str, problems: Problems) -> Optional[str]:
    """`host[:port]`: a DNS name or an IPv4 address that the nodes can reach, a port from 1 to 65535,
    no scheme, no user-info and no path."""
    problem = _host_port_problem(value)
    if problem:
        problems.add(key, problem)
        return None
    return value.partition(":")[0]


def _host_port_problem(value: str) -> Optional[str]:
    if has_userinfo(value):  # never echo it: the part before '@' is a user name and a password
        return ("has user-info (user:password@) before the host; give only host[:port]: the user goes in "
                "registry.username and the password in the registryPassword secret")
    if "://" in value:
        return f"{show(value)} has a scheme; give only host[:port] (like 192.168.10.100 or harbor.example.com:8443)"
    if "/" in value:
        return f"{show(value)} has a path; give only host[:port] (the project goes in registry.project)"
    if value.count(":") > 1 or value.startswith("["):
        return f"{show(value)} is an IPv6 address; give a DNS name or an IPv4 address"
    host, sep, port = value.partition(":")
    if not whole(HOST, host):
        return f"{show(value)} is not {_HOST_PORT}"
    if sep and not 1 <= (number(port, digits=5) or 0) <= 65535:
        return f"{show(value)}: the port {show(port)} is not a number from 1 to 65535 (no leading zero)"
    if whole(NUMERIC_HOST, host):
        addr = host_address(host)
        if addr is None:
            return f"{show(value)} is not an IPv4 address (four numbers from 0 to 255, no leading zero) nor a DNS name"
        why = unreachable(addr)
        return f"{why}, which no node reaches; give the registry's address on a network the nodes reach" \
            if why else None
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return (f"{show(value)} is this host's loopback: inside a node it is the node itself; give the "
                "registry's address on a network the nodes reach")
    return None


def unreachable(addr: ipaddress.IPv4Address) -> Optional[str]:
    """What makes `addr` no host's address on a network (a node's loopback is the node itself), or None."""
    if addr.is_unspecified:
        return f"{addr} is the unspecified address (any interface)"
    if addr.is_loopback:
        return f"{addr} is a loopback address (inside a node, the node itself)"
    if addr.is_multicast or addr.is_reserved:  # reserved: 240.0.0.0/4, broadcast 255.255.255.255 included
        return f"{addr} is a multicast, broadcast or reserved address"
    return None


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
        if not whole(HOST, host):
            return f"the registry {show(domain)} is not host[:port]"
        if sep and not 1 <= (number(port, digits=5) or 0) <= 65535:
            return f"the registry port {show(port)} is not a number from 1 to 65535"
    else:
        rest = parts
    if not rest and not allow_bare_domain:
        return "no repository after the registry"
    for part in rest:
        if not part:
            return "an empty path component ('//' or a trailing '/')"
        if not whole(PATH_COMPONENT, part):
            return (f"the path component {show(part)} is not lower-case letters and digits "
                    "separated by '.', '_', '__' or '-'")
    return None


def repository_path(key: str, value: str, problems: Problems, allow_bare_domain: bool = False) -> bool:
    """A registry path that names get appended to: no tag, no digest. allow_bare_domain: a registry
    alone (host[:port]) is a path too."""
    if not value:
        problems.add(key, "is empty; give a registry path like ghcr.io/openkasugai/controller")
        return False
    if has_userinfo(value):
        problems.add(key, "has user-info (user:password@) before the registry; give the registry path alone "
                          "(credentials do not go in a stack key)")
        return False
    parts = value.split("/")
    if "@" in value or (":" in parts[-1] and (len(parts) > 1 or not allow_bare_domain)):
        problems.add(key, f"{show(value)} has a tag or digest; give a registry path without one (names and "
                          "tags are appended to it)")
        return False
    problem = _path_problem(value, allow_bare_domain)
    if problem:
        problems.add(key, f"{show(value)} is not a registry path: {problem}")
        return False
    return True


def image_reference(key: str, value: str, problems: Problems) -> bool:
    """A complete image reference: name[:tag][@digest]."""
    name, at, digest = value.partition("@")
    if at and not whole(DIGEST, digest):
        problems.add(key, f"{show(value)}: {show(digest)} is not a digest like sha256:<64 hex digits>")
        return False
    if ":" in name.rsplit("/", 1)[-1]:
        name, _, tag = name.rpartition(":")
        if not whole(TAG, tag):
            problems.add(key, f"{show(value)}: the tag {show(tag)} is not valid (ASCII letters, digits, '_', '.', "
                              "'-'; at most 128)")
            return False
    if not name:
        problems.add(key, f"{show(value)} names no image")
        return False
    problem = _path_problem(name, allow_bare_domain=False)
    if problem:
        problems.add(key, f"{show(value)} is not an image reference: {problem}")
        return False
    return True
