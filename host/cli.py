"""Operator CLI over the same converge functions the providers use: sriov, gpu, doctor."""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
from pathlib import Path

from facts.shared import CLAIMS_DIR, PROJECT_DIR

from . import claims, probe, records, validate
from .contract import HostContext
from .errors import HostOpError, Invalid, Refused
from .registry import OPERATIONS
from .runner import for_root

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_DRIFT, EXIT_REFUSED, EXIT_DETACHED = 0, 1, 2, 3, 4, 5
EXIT_CODES = """exit codes:
  0  done; for status: attached and in place
  1  the operation failed; the host was left as it was
  2  usage error: a malformed argument, found before anything was read or changed
  3  status: drift (an interface left the worker, the worker restarted, or host GPU modules are back)
  4  refused before any change (PF in use by another stack, default-route PF, GPU held, no worker)
  5  status: not attached / nothing handed over"""


class _Usage(Exception):
    """Bad arguments or stack config: every line is printed, exit code 2."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


class _Parser(argparse.ArgumentParser):
    """Raises _Usage instead of exiting, so that --json can report usage errors as JSON too."""

    def error(self, message: str):
        raise _Usage([f"{self.prog}: {message} (see {self.prog} --help)"])  # one line, as every refusal


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m host", epilog=EXIT_CODES,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="area", required=True, parser_class=_Parser)
    common = _Parser(add_help=False)
    common.add_argument("--json", action="store_true", help="print JSON")
    common.add_argument("--stack", default=os.environ.get("PULUMI_STACK", "manual"),
                        help="owner recorded in the claims file (default: $PULUMI_STACK or 'manual')")
    common.add_argument("--claims-dir", default=CLAIMS_DIR)
    s = sub.add_parser("sriov", parents=[common], help="move a PF and its VFs into a Kind worker and back")
    s.add_argument("action", choices=["attach", "detach", "status"])
    s.add_argument("--worker", required=True, help="Kind node container, e.g. kind-worker")
    s.add_argument("--pf", required=True, help="PF netdev name, e.g. enp23s0f0np0")
    s.add_argument("--vfs", type=validate.count, default=0, help="number of VFs (attach)")
    s.add_argument("--address", help="CIDR for the PF inside the worker, e.g. 192.168.10.1/24")
    # --sysfs-root: its name before it was --root, as in gpu and doctor; still accepted.
    s.add_argument("--root", "--sysfs-root", dest="root", default="/", help="root for /sys (tests use a fake one)")
    s.add_argument("--management-address", help="host address whose interface must never move")
    g = sub.add_parser("gpu", parents=[common], help="hand the host's nvidia driver over and back")
    g.add_argument("action", choices=["status", "unload", "restore"])
    g.add_argument("--root", default="/", help="root for /proc and /sys (tests)")
    o = sub.add_parser("operations", help="list the registered host operations")
    o.add_argument("--json", action="store_true", help="print JSON")
    d = sub.add_parser("doctor", help="read-only host readiness report")
    d.add_argument("--json", action="store_true", help="print JSON")
    d.add_argument("--stack", help="also check what this stack needs: reads Pulumi.<stack>.yaml "
                                   "(needs the project's venv)")
    d.add_argument("--config-file", help="a stack config file to read instead of Pulumi.<stack>.yaml")
    d.add_argument("--claims-dir", help="claims directory (default: the stack's hostClaimsDir)")
    d.add_argument("--registry", help="host[:port] of the image registry to reach (default: the stack's)")
    d.add_argument("--metallb-range", help="first-last address MetalLB will hand out (default: the stack's)")
    d.add_argument("--network", default="kind", help="Kind's docker network")
    d.add_argument("--archive", action="store_true", help="network: ask Ubuntu jammy's archive (in a container) "
                   "for the running kernel's headers package, as the GPU image build will")
    d.add_argument("--root", default="/", help="root for /proc and /sys (tests)")
    return p



def _print(args, data, text: str) -> None:
    print(json.dumps(data, indent=2, sort_keys=True) if args.json else text)


def _sriov(args) -> int:
    from . import sriov
    spec = sriov.SriovSpec(stack=args.stack, worker=args.worker, pf=args.pf, vfs=args.vfs, address=args.address,
                           claims_dir=args.claims_dir, root=args.root,
                           management_address=args.management_address)
    ctx = HostContext.for_root(args.root, args.claims_dir)
    if args.action == "status":
        st = sriov.status(spec, None, ctx)
        lines = [f"{spec.pf} -> {spec.worker}: {st['state']}"] + [f"  {r}" for r in st.get("drift", [])]
        _print(args, st, "\n".join(lines))
        return {"attached": EXIT_OK, "drift": EXIT_DRIFT}.get(st["state"], EXIT_DETACHED)
    if args.action == "attach":
        rec = sriov.attach(spec, None, ctx)
        _print(args, {**rec, "state": "attached"}, f"{spec.pf} and {spec.vfs} VFs attached to {spec.worker}"
               + ("" if rec["changed"] else " (no change)"))
    else:
        rec = sriov.detach(spec, None, ctx)
        _print(args, rec, f"{spec.pf} detached from {spec.worker}" + ("" if rec["changed"] else " (no change)"))
    return EXIT_OK


def _gpu(args) -> int:
    from . import gpu, gpu_handover
    if args.action == "status":
        st = gpu.status(args.root)
        gpus = ", ".join(f"{g['model']} {g['pci']} uuid={g['uuid'] or 'unknown (no NVIDIA driver loaded)'} "
                         f"driver={g['driver']}" for g in st["gpus"]) or "no NVIDIA GPU"
        mods = ", ".join(f"{n}({m['refcount']})" for n, m in st["modules"].items()) or "none"
        _print(args, st, f"gpu: {gpus}\nmodules: {mods}\npersistenced: {st['persistenced']}\n"
               f"holders: {'; '.join(st['holders']) or 'none'}")
        return EXIT_OK
    found = probe.gpus(args.root)
    if not found:
        raise Refused("failed to find an NVIDIA GPU (PCI vendor 10de) on this host")
    key = claims.gpu_claim_key(found[0]['pci'])
    ctx = HostContext.for_root(args.root, args.claims_dir)
    if args.action == "unload":
        spec = gpu_handover.GpuHandoverSpec(args.stack, "manual", args.claims_dir, args.root)
        rec = gpu_handover.apply(spec, None, ctx)
        _print(args, rec, f"unloaded {', '.join(rec['unloaded']) or 'nothing'}")
        return EXIT_OK
    held = claims.holder(args.claims_dir, key, root=args.root)
    if not held or held.get("stack") != args.stack or "record" not in held:
        _print(args, {"changed": False}, f"nothing handed over by stack {args.stack!r}")
        return EXIT_DETACHED
    record = gpu_handover.recorded(held["record"], records.source_of(args.claims_dir))
    res = gpu.restore(record, ctx.runner, ctx.root)
    claims.release(args.claims_dir, key, args.stack, root=args.root)
    _print(args, res, "host GPU driver restored")
    return EXIT_OK


def _stack_settings(args):
    """The typed Settings of --stack / --config-file, read the way the offline preview reads them.
    Imported here, not at the top: without --stack, doctor runs on the standard library only."""
    try:
        from pulumi.errors import RunError

        from settings.stackfile import load_stack_config
        from settings import SettingsError, load
    except ImportError as err:
        raise _Usage([f"--stack/--config-file read the stack config with the project's packages ({err}); "
                      "run it with venv/bin/python -m host doctor ..."]) from err

    config_file = Path(args.config_file) if args.config_file else None
    if config_file and not config_file.is_file():
        raise _Usage([f"--config-file: {config_file} not found"])
    named = re.fullmatch(r"Pulumi\.(.+)\.ya?ml", config_file.name) if config_file else None
    stack = args.stack or (named.group(1) if named else os.environ.get("PULUMI_STACK") or "manual")
    if config_file is None and not (PROJECT_DIR / f"Pulumi.{stack}.yaml").is_file():
        raise _Usage([f"--stack: no {PROJECT_DIR / f'Pulumi.{stack}.yaml'}; pass --config-file PATH"])
    try:
        _, raw, secret_keys = load_stack_config(stack, config_file)
        # This host's GPU model, as `pulumi up` passes it: a GPU scenario needs one model or another.
        settings = load(raw, stack=stack, base_dir=PROJECT_DIR, secret_keys=secret_keys, host_files=True,
                        host_gpu_model=probe.host_facts(args.root).gpu_model or "")
    except SettingsError as err:
        raise _Usage(list(err.problems)) from err
    except (RunError, ValueError, OSError) as err:  # a file that is no YAML mapping, config only load() judges
        raise _Usage(str(err).splitlines() or [repr(err)]) from err
    if args.claims_dir:
        settings = dataclasses.replace(settings, host_claims_dir=args.claims_dir)
    return settings


def _doctor(args) -> int:
    from . import doctor
    why = validate.network(args.network)
    if why:
        raise _Usage([f"--network: {why}"])
    settings = None
    if args.stack or args.config_file:
        settings = _stack_settings(args)
    archive = for_root(args.root, timeout=600) if args.archive else None  # apt-get update in a container
    rep = doctor.summary(doctor.run(for_root(args.root, timeout=20), root=args.root, registry=args.registry,
                                    metallb_range=args.metallb_range, network=args.network, settings=settings,
                                    archive=archive))
    mark = {True: "ok  ", False: "FAIL", None: "warn"}
    _print(args, rep, "\n".join(f"{mark[c['ok']]} {c['check']}: {c['detail']}" for c in rep["checks"]))
    return EXIT_OK if rep["ok"] else EXIT_FAILED


def _operations(args) -> int:
    ops = [{"name": name, "summary": op.summary, "stage": op.stage, "module": op.apply.__module__}
           for name, op in OPERATIONS.items()]
    _print(args, ops, "\n".join(f"{o['name']}: {o['summary']}" for o in ops))
    return 0


def _fail(as_json: bool, code: int, lines: list[str], problems: list | None = None) -> int:
    if as_json:
        err = {"error": "\n".join(lines), "exit_code": code}
        if problems:
            err["problems"] = [{"argument": a, "reason": r} for a, r in problems]
        print(json.dumps(err, indent=2, sort_keys=True))
    else:
        for line in lines:
            print(line if code == EXIT_USAGE else f"ERROR: {line}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    as_json = "--json" in argv
    try:
        args = parser().parse_args(argv)
        why = validate.stack(args.stack) if args.area not in ("doctor", "operations") else None
        if why:
            raise _Usage([f"--stack: {why}"])
        why = validate.root(args.root) if args.area in ("gpu", "doctor") else None  # sriov: with its spec
        if why:
            raise _Usage([f"--root: {why}"])
        return {"sriov": _sriov, "gpu": _gpu, "doctor": _doctor, "operations": _operations}[args.area](args)
    except _Usage as err:
        return _fail(as_json, EXIT_USAGE, err.lines)
    except Invalid as err:
        return _fail(as_json, EXIT_USAGE, [f"{'--' + a.replace('_', '-')}: {r}"
                                           for a, r in err.problems], err.problems)
    except Refused as err:
        return _fail(as_json, EXIT_REFUSED, [str(err)])
    except (HostOpError, OSError) as err:
        return _fail(as_json, EXIT_FAILED, [str(err)])
