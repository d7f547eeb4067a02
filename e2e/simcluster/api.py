"""A minimal client of the simulated cluster's API (stdlib only: TLS with the admin certificate)."""
from __future__ import annotations

import http.client
import json
import ssl
from pathlib import Path
from typing import Any


class Api:
    def __init__(self, port: int, pki: Path) -> None:
        self.port = port
        self.context = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        self.context.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))

    def request(self, method: str, path: str, body: Any = None,
                content_type: str = "application/json") -> tuple[int, Any]:
        """(status, decoded JSON or text); (0, reason) when nothing answers."""
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=10)
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body),
                         headers={"Content-Type": content_type, "Accept": "application/json"})
            response = conn.getresponse()
            text = response.read().decode()
        except (OSError, http.client.HTTPException) as err:
            return 0, str(err)
        finally:
            conn.close()
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, text

    def get(self, path: str) -> dict[str, Any]:
        """The object at path, or {} when it is absent or the API does not answer."""
        status, body = self.request("GET", path)
        return body if status == 200 and isinstance(body, dict) else {}


def insecure_healthz(port: int) -> bool:
    """A component's own HTTPS /healthz (self-signed serving certificate on 127.0.0.1)."""
    context = ssl._create_unverified_context()  # noqa: S323 - loopback health probe of our own process
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=5)
    try:
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        return response.status == 200 and response.read().strip() == b"ok"
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()
