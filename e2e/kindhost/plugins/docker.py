"""STAND-IN for pulumi-docker 5.2.0's `docker:index/remoteImage:RemoteImage` and
`docker:index/container:Container` (e2e only: pulumi-docker's provider/v5 module path does not match its
repository, so the Go module proxy cannot build it). pulumi-docker bridges the Terraform provider
kreuzwerker/terraform-provider-docker v3; this follows its v3.6.2 source for the fields the program uses:

- RemoteImage (internal/provider/resource_docker_image*.go): `name` is ForceNew; create pulls the image
  unless Docker has it and sets `imageId` (and `repoDigest`); delete removes it unless `keepLocally`.
  The stand-in part: no image can be pulled here, so the pull is played for the one image the program
  asks for, `registry:2.*`: a stand-in registry image (the twin's busybox answering GET /v2/ on port 5000).
  Any other image that Docker does not have fails as a pull would.
- Container (resource_docker_container*.go): `name`, `image`, `ports`, `networksAdvanced` are ForceNew,
  `restart` (default "no") is updated in place; create runs the container on the first advanced network
  with its aliases, publishing the ports, and with `mustRun` (default true) a container that is not
  running is an error; read drops a container that is gone from the state, and deletes one that stopped
  while `mustRun` and fails; delete stops and removes it (Force: true).
"""
from __future__ import annotations

import json
import subprocess

from pulumi.runtime.proto import provider_pb2

from .. import rootfs
from .protocol import Props, Resource, ResourceError

REGISTRY_CMD = ["httpd", "-f", "-p", "5000", "-h", "/srv"]


def _docker(*argv: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["docker", *argv], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise ResourceError(f"docker {argv[0]}: {(done.stderr or done.stdout).strip()}")
    return done


def _diff(olds: Props, news: Props, keys: tuple[str, ...], force_new: tuple[str, ...]) -> provider_pb2.DiffResponse:
    changed = [k for k in keys if olds.values.get(k) != news.values.get(k)]
    detailed = {k: provider_pb2.PropertyDiff(kind=provider_pb2.PropertyDiff.UPDATE_REPLACE if k in force_new
                                              else provider_pb2.PropertyDiff.UPDATE) for k in changed}
    return provider_pb2.DiffResponse(
        changes=provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE,
        replaces=[k for k in changed if k in force_new], diffs=changed, detailedDiff=detailed,
        hasDetailedDiff=True, deleteBeforeReplace=False)


class RemoteImage(Resource):
    KEYS = ("name", "keepLocally", "forceRemove", "platform", "pullTriggers", "triggers")

    def diff(self, id_, olds, news, old_inputs):
        return _diff(olds, news, self.KEYS, ("name", "pullTriggers", "triggers", "platform"))

    def create(self, urn, news, preview):
        name = news.get("name")
        outs = Props({**news.values}, set(news.secret))
        if preview:
            return "", outs
        found = rootfs.image_id(name)
        if not found:
            if name.split(":")[0] not in ("registry", "docker.io/library/registry", "library/registry"):
                raise ResourceError(f"Unable to read Docker image into resource: unable to pull image {name}: "
                                    "no image can be pulled on this machine (the stand-in plays only registry:2)")
            found = rootfs.import_image(name, cmd=REGISTRY_CMD, files={"srv/v2/index.html": b"{}"},
                                        labels={"io.openkasugai-aio.twin.stand-in": "registry"})
        outs.values.update(imageId=found, repoDigest="")
        return f"{found}{name}", outs

    def update(self, urn, id_, olds, news, preview):
        return Props({**news.values, "imageId": olds.get("imageId"), "repoDigest": olds.get("repoDigest", "")},
                     set(news.secret))

    def read(self, urn, id_, st, inputs):
        found = rootfs.image_id(st.get("name"))
        if not found:
            return "", st, inputs
        st.values["imageId"] = found
        return id_, st, inputs

    def delete(self, urn, id_, st):
        if not st.get("keepLocally"):
            _docker("image", "rm", *(["--force"] if st.get("forceRemove") else []), st.get("name"), check=False)


class Container(Resource):
    FORCE_NEW = ("name", "image", "ports", "networksAdvanced", "command", "envs", "labels", "volumes", "mounts")
    KEYS = FORCE_NEW + ("restart", "mustRun")

    def diff(self, id_, olds, news, old_inputs):
        return _diff(olds, news, self.KEYS, self.FORCE_NEW)

    def create(self, urn, news, preview):
        outs = Props({**news.values}, set(news.secret))
        if preview:
            return "", outs
        argv = ["run", "--detach", "--name", news.get("name"), "--restart", news.get("restart", "no"),
                "--label", f"{rootfs.LABEL}=1"]
        for p in news.get("ports") or []:
            ip = p.get("ip", "0.0.0.0")
            argv += ["--publish", f"{ip}:{int(p['external'])}:{int(p['internal'])}/{p.get('protocol', 'tcp')}"]
        nets = news.get("networksAdvanced") or []
        if nets:
            argv += ["--network", nets[0]["name"]] + [a for alias in nets[0].get("aliases") or []
                                                     for a in ("--network-alias", alias)]
        argv += [news.get("image")] + list(news.get("command") or [])
        cid = _docker(*argv).stdout.strip()
        for net in nets[1:]:
            _docker("network", "connect", *[a for alias in net.get("aliases") or [] for a in ("--alias", alias)],
                    net["name"], cid)
        if news.get("mustRun", True) and not self._running(cid):
            _docker("rm", "--force", cid, check=False)
            raise ResourceError(f"container {news.get('name')} failed to be in running state")
        return cid, outs

    @staticmethod
    def _running(cid: str) -> bool:
        done = _docker("container", "inspect", cid, check=False)
        return done.returncode == 0 and json.loads(done.stdout)[0]["State"]["Running"]

    def update(self, urn, id_, olds, news, preview):
        if not preview and olds.get("restart") != news.get("restart"):
            _docker("update", "--restart", news.get("restart", "no"), id_)
        return Props({**news.values}, set(news.secret))

    def read(self, urn, id_, st, inputs):
        done = _docker("container", "inspect", id_, check=False)
        if done.returncode != 0:
            return "", st, inputs  # gone: Terraform drops it from the state
        if st.get("mustRun", True) and not json.loads(done.stdout)[0]["State"]["Running"]:
            self.delete(urn, id_, st)
            raise ResourceError(f"container {st.get('name')} failed to be in running state")
        return id_, st, inputs

    def delete(self, urn, id_, st):
        _docker("rm", "--force", id_, check=False)


RESOURCES = {"docker:index/remoteImage:RemoteImage": RemoteImage, "docker:index/container:Container": Container}
