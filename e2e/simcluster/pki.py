"""Certificates of the simulated cluster, made with the openssl CLI (argv, never a shell).

One CA signs the API server's serving certificate (127.0.0.1 and localhost only) and one client
certificate per user; the service-account key pair signs tokens.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from e2e.simcluster.errors import ClusterError

DAYS = "30"


@dataclass(frozen=True)
class Client:
    name: str          # file stem and kubeconfig user name
    common_name: str   # the user Kubernetes sees
    group: str = ""    # O=, e.g. system:masters


# admin and kwok act as cluster admins; the controllers get the identities their default RBAC binds.
CLIENTS = (Client("admin", "kubernetes-admin", "system:masters"),
           Client("kwok", "kwok-controller", "system:masters"),
           Client("controller-manager", "system:kube-controller-manager"),
           Client("scheduler", "system:kube-scheduler"))


def _openssl(*args: str, cwd: Path) -> None:
    try:
        done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    except OSError as err:
        raise ClusterError(f"failed to run openssl: {err} (install the openssl package)") from err
    if done.returncode != 0:
        raise ClusterError(f"failed to make certificates: openssl {args[0]}: {done.stderr.strip()}")


def _key(name: str, cwd: Path) -> None:
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", f"{name}.key",
             cwd=cwd)


def _signed(name: str, subject: str, extensions: str, cwd: Path) -> None:
    _key(name, cwd)
    _openssl("req", "-new", "-key", f"{name}.key", "-subj", subject, "-out", f"{name}.csr", cwd=cwd)
    (cwd / f"{name}.ext").write_text(extensions)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", DAYS, "-sha256", "-extfile", f"{name}.ext", "-out", f"{name}.crt", cwd=cwd)


def make(pki: Path) -> None:
    pki.mkdir(parents=True, exist_ok=True)
    _key("ca", pki)
    _openssl("req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=openkasugai-aio-e2e-ca", "-days", DAYS,
             "-sha256", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "ca.crt", cwd=pki)
    _signed("apiserver", "/CN=kube-apiserver",
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
            "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,"
            "DNS:kubernetes.default.svc\n", pki)
    for client in CLIENTS:
        subject = f"/CN={client.common_name}" + (f"/O={client.group}" if client.group else "")
        _signed(client.name, subject,
                "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n", pki)
    _key("sa", pki)
    _openssl("pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=pki)
