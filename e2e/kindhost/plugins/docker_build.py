"""STAND-IN for pulumi-docker-build 0.0.22's `docker-build:index:Image` (e2e only: the provider builds here,
but no base image can be pulled, so no build of the program's could finish). It follows the provider at
tag v0.0.22 (provider/internal/image.go) where the program's fields are concerned:

- check: `tags` are image references; the context folder, the Dockerfile (file or inline) and every named
  context folder exist (Image.Check, ImageArgs.validate, BuildContext.validate);
- create builds (update is the same build: Image.Update calls Create); preview builds nothing unless
  buildOnPreview; the state is the inputs plus `contextHash` (a hash of the context, the Dockerfile and the
  local named contexts: context.go, hashBuildContext), `ref` (the first tag; tag@digest once pushed) and
  `digest` (set only when pushed; the id is then the digest, else the resource name);
- diff: every changed input, and a changed context hash, is an update, never a replacement (Image.Diff);
- read: an image that was not pushed is left as it is; a pushed one whose tag is gone from its registry is
  gone from the state (Image.Read);
- delete removes the local image or the pushed digests (Image.Delete); the program never lets it run
  (retain_on_delete on every build).

The build itself is the stand-in part. It proves what can be proven without base images: the Dockerfile
parses; every FROM that names an image of this stack (a build argument, a named `docker-image://`
context, the stand-in registry) finds it in the local Docker store or in the registry it was pushed to,
so the chain's order is real; every COPY/ADD source exists in the context. Images from public registries
(ubuntu, nvidia/cuda) would be pulled: that, the RUN steps and the image's content are not proven. The
result is the twin's busybox filesystem imported under every tag (`load`), and the tag recorded in the
stand-in registry it was pushed to (`push`), which must answer /v2/. A fault the twin injects
("image-build": a tag substring) fails the build as a failed download would.
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import re
import subprocess
import urllib.request
from pathlib import Path

from pulumi.runtime.proto import provider_pb2

from .. import rootfs, state
from .protocol import Props, Resource, ResourceError

_ARG = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")
INPUTS = ("addHosts", "buildArgs", "buildOnPreview", "builder", "cacheFrom", "cacheTo", "context", "dockerfile",
          "exec", "exports", "labels", "load", "network", "noCache", "platforms", "pull", "push", "registries",
          "secrets", "ssh", "tags", "target")


def _dockerfile_text(p: Props) -> str:
    d = p.get("dockerfile") or {}
    if d.get("inline"):
        return d["inline"]
    location = d.get("location") or str(Path(p.get("context", {}).get("location", ".")) / "Dockerfile")
    return Path(location).read_text()


def context_hash(p: Props) -> str:
    """The context's files (path, mode, content), the Dockerfile and the local named contexts, hashed."""
    h = hashlib.sha256(_dockerfile_text(p).encode())
    ctx = p.get("context") or {}
    folders = [ctx.get("location", "")] + [v.get("location", "") for _, v in sorted((ctx.get("named") or {}).items())]
    for folder in folders:
        root = Path(folder)
        if not root.is_dir():
            h.update(folder.encode())
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file():
                h.update(f"{path.relative_to(root)}\0{path.stat().st_mode & 0o777}\0".encode() + path.read_bytes())
    return h.hexdigest()


def _instructions(text: str) -> list[tuple[str, str]]:
    lines, out, cur = text.splitlines(), [], ""
    for line in lines:
        if not cur and line.strip().startswith("#"):
            continue
        cur += line.rstrip()
        if cur.endswith("\\"):
            cur = cur[:-1] + " "
            continue
        if cur.strip():
            word, _, rest = cur.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
        cur = ""
    return out


def _expand(value: str, args: dict[str, str]) -> str:
    return _ARG.sub(lambda m: args.get(m.group(1) or m.group(3), m.group(2) or ""), value)


def _registry_of(ref: str) -> str:
    first = ref.split("/", 1)[0]
    return first if "/" in ref and ("." in first or ":" in first or first == "localhost") else ""


def _pushed(ref: str) -> bool:
    return ref in state.read_json("registry.json").get(_registry_of(ref), {})


def _twin_registries() -> set[str]:
    return set(state.read_json("registry.json"))


def check_dockerfile(p: Props) -> list[str]:
    """Why this build could not run here (see the module's docstring); empty: it may."""
    text, ctx = _dockerfile_text(p), p.get("context") or {}
    named = {k: v.get("location", "") for k, v in (ctx.get("named") or {}).items()}
    args = {k: str(v) for k, v in (p.get("buildArgs") or {}).items()}
    problems, stages, declared = [], set(), {}
    context = Path(ctx.get("location", ""))
    for word, rest in _instructions(text):
        if word == "ARG":
            name, _, default = rest.partition("=")
            declared[name.strip()] = args.get(name.strip(), _expand(default.strip().strip('"'), declared))
        elif word == "FROM":
            parts = [w for w in rest.split() if not w.startswith("--")]
            image = _expand(parts[0], {**declared, **args}) if parts else ""
            if len(parts) >= 3 and parts[1].lower() == "as":
                stages.add(parts[2])
            if not image or image in stages or image == "scratch":
                continue
            if image in named:
                source = named[image]
                ref = source.removeprefix("docker-image://")
                if source.startswith("docker-image://") and not (rootfs.image_id(ref) or _pushed(ref)):
                    problems.append(f"FROM {image}: the named context {source} is neither in the local Docker "
                                    "store nor in the registry it would be pulled from")
                continue
            if rootfs.image_id(image) or _pushed(image):
                continue
            ours = {_registry_of(t) for t in p.get("tags") or []} | _twin_registries()
            if image.startswith("localhost/") or (_registry_of(image) and _registry_of(image) in ours):
                problems.append(f"FROM {image}: not found (not in the local Docker store, not pushed); the build "
                                "that makes it has not run")
        elif word in ("COPY", "ADD") and "--from" not in rest:
            words = [w for w in (json.loads(rest) if rest.startswith("[") else rest.split())
                     if not w.startswith("--")]
            for src in words[:-1]:
                if "://" in src or "$" in src:
                    continue
                if not [m for m in context.glob(src.lstrip("/"))] and not fnmatch.filter(
                        [str(q.relative_to(context)) for q in context.rglob("*")], src.lstrip("/")):
                    problems.append(f"{word} {src}: not in the build context {context}")
    return problems


ENABLES = "io.openkasugai-aio.twin.enables"  # the systemd units an image enables (the kind stand-in boots them)
_ENABLE = re.compile(r"systemctl\s+enable\s+((?:[\w@.\-]+\.service\s*)+)")


def enabled_units(p: Props) -> str:
    """The units the Dockerfile's RUN steps enable, with those of the image it is built FROM."""
    args = {k: str(v) for k, v in (p.get("buildArgs") or {}).items()}
    units: set[str] = set()
    for word, rest in _instructions(_dockerfile_text(p)):
        if word == "FROM":
            parent = _expand(rest.split()[0], args) if rest.split() else ""
            label = subprocess.run(["docker", "image", "inspect", "--format",
                                    f'{{{{index .Config.Labels "{ENABLES}"}}}}', parent], capture_output=True, text=True)
            units |= set(label.stdout.split()) if label.returncode == 0 else set()
        elif word == "RUN":
            for match in _ENABLE.finditer(rest):
                units |= set(match.group(1).split())
    return " ".join(sorted(units))


def _registry_answers(registry: str) -> str | None:
    try:
        with urllib.request.urlopen(f"http://{registry}/v2/", timeout=5) as r:
            return None if r.status == 200 else f"HTTP {r.status}"
    except OSError as err:
        return str(err)


class Image(Resource):
    def check(self, olds: Props, news: Props):
        failures = []
        for i, tag in enumerate(news.get("tags") or []):
            if not isinstance(tag, str) or not re.fullmatch(r"[a-z0-9][a-z0-9._\-/:]*(:[\w][\w.-]{0,127})?", tag):
                failures.append((f"tags[{i}]", f"invalid reference format: {tag!r}"))
        if news.get("push") and not news.get("tags"):
            failures.append(("tags", "at least one tag is required when pushing"))
        if not news.unknown("context", "dockerfile"):
            ctx = news.get("context") or {}
            if not Path(ctx.get("location", "")).is_dir():
                failures.append(("context.location", f"{ctx.get('location')!r} is not a directory"))
            for key, named in (ctx.get("named") or {}).items():
                loc = named.get("location", "")
                if "://" not in loc and not Path(loc).is_dir():
                    failures.append((f"context.named.{key}", f"{loc!r} is not a directory"))
            d = news.get("dockerfile") or {}
            if not d.get("inline") and d.get("location") and not Path(d["location"]).is_file():
                failures.append(("dockerfile.location", f"{d['location']!r} does not exist"))
        return news, failures

    def diff(self, id_: str, olds: Props, news: Props, old_inputs: Props) -> provider_pb2.DiffResponse:
        changed = [k for k in INPUTS if k != "registries" and olds.values.get(k) != news.values.get(k)]
        old_regs = [(r.get("address"), r.get("username")) for r in olds.get("registries") or []]
        if old_regs != [(r.get("address"), r.get("username")) for r in news.get("registries") or []]:
            changed.append("registries")  # a password alone is no change (Image.Diff)
        if not news.unknown("context", "dockerfile") and context_hash(news) != olds.get("contextHash"):
            changed.append("contextHash")
        update = provider_pb2.PropertyDiff(kind=provider_pb2.PropertyDiff.UPDATE)
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=changed, detailedDiff={k: update for k in changed}, hasDetailedDiff=True)

    def create(self, urn: str, news: Props, preview: bool):
        outs = Props({**news.values}, set(news.secret))
        tags = list(news.get("tags") or [])
        outs.values.update(ref=tags[0] if tags else "", digest="", contextHash="")
        if news.unknown("context", "dockerfile"):
            return urn.split("::")[-1], outs
        outs.values["contextHash"] = context_hash(news)
        if preview and not news.get("buildOnPreview", True):
            return urn.split("::")[-1], outs
        self._build(urn, news, outs, tags)
        return outs.values["digest"] or urn.split("::")[-1], outs

    def update(self, urn: str, id_: str, olds: Props, news: Props, preview: bool) -> Props:
        return self.create(urn, news, preview)[1]

    def _build(self, urn: str, news: Props, outs: Props, tags: list[str]) -> None:
        failing = state.fault("image-build")
        if failing and any(failing in t for t in tags):
            raise ResourceError(f"failed to solve: process \"/bin/sh -c apt-get update && apt-get install -y "
                                f"...\" did not complete successfully: exit code: 100 (a download failed: the "
                                f"twin's injected fault for {failing})")
        problems = check_dockerfile(news)
        if problems:
            raise ResourceError("failed to solve: " + "; ".join(problems))
        self.engine.log(urn, f"stand-in build of {', '.join(tags)}")
        labels = {"io.openkasugai-aio.twin.build": tags[0] if tags else "", ENABLES: enabled_units(news)}
        image = rootfs.import_image(tags[0], labels=labels) if tags else ""
        for tag in tags[1:]:
            rootfs.tag(tags[0], tag)
        if news.get("push"):
            with state.locked_json("registry.json") as registries:
                for tag in tags:
                    registry = _registry_of(tag)
                    why = _registry_answers(registry) if registry else "no registry in the tag"
                    if why:
                        raise ResourceError(f"failed to push {tag}: {registry or tag}: {why}")
                    digest = "sha256:" + hashlib.sha256(f"{image}\0{tag}".encode()).hexdigest()
                    registries.setdefault(registry, {})[tag] = digest
            outs.values["digest"] = digest
            outs.values["ref"] = f"{tags[0]}@{digest}"
        if not news.get("load") and tags:
            rootfs.remove(tags)  # pushed only: buildkit exports to the registry, not to Docker's store

    def read(self, urn: str, id_: str, st: Props, inputs: Props):
        if not st.get("digest"):
            return id_, st, inputs
        held = state.read_json("registry.json")
        kept = [t for t in st.get("tags") or [] if held.get(_registry_of(t), {}).get(t) == st.get("digest")]
        if st.get("tags") and not kept:
            return "", st, inputs
        st.values["tags"] = kept
        return id_, st, inputs

    def delete(self, urn: str, id_: str, st: Props) -> None:
        if not st.get("digest"):
            rootfs.remove([st.get("ref")] if st.get("ref") else [])
            return
        with state.locked_json("registry.json") as registries:
            for tag in st.get("tags") or []:
                registries.get(_registry_of(tag), {}).pop(tag, None)


RESOURCES = {"docker-build:index:Image": Image}
