"""STAND-IN for pulumi-command 1.2.1's `command:local:Command` (e2e only; the Go module proxy serves no
version of github.com/pulumi/pulumi-command/provider). It runs the program's commands for real, as the
provider at tag v1.2.1 does:

- create / update / delete run through the shell, `interpreter` (default ["/bin/sh", "-c"]) with the
  command appended, in `dir` (default the provider's working directory), with the provider's environment
  plus `environment`, `stdin` when not empty (provider/pkg/provider/local/commandOutputs.go, run);
- update runs `update`, else `create` again, else nothing; delete runs `delete` if set; preview runs
  nothing (local/commandController.go, Create/Update/Delete);
- update and delete see the previous run's output as PULUMI_COMMAND_STDOUT / PULUMI_COMMAND_STDERR unless
  addPreviousOutputInEnv is false (default true: local/base.go; commandOutputs.go);
- `stdout` / `stderr` are the captured streams with one trailing newline cut (commandOutputs.go);
- a non-zero exit fails the step with `exit status N: running "<command>":` and the combined output
  (commandOutputs.go: fmt.Errorf("%w: running %q:\\n%s", ...)), and nothing is recorded for a create;
- `logging` (stdout, stderr, stdoutAndStderr, none; unset = both) decides what goes to the engine's log as
  status lines; outputs are captured either way (local/logging.go, util.LogOutput's InfoStatus);
- diff: any changed input is an update, `triggers` a replacement whatever `update` says: the schema marks
  triggers replaceOnChanges (common/inputs.go; provider/cmd/pulumi-resource-command/schema.json) and
  pulumi-go-provider v1.3.0's default diff (infer/resource.go, Diff and diff) turns every other change into
  an update because Command implements CustomUpdate; the SDK adds replace_on_changes ["triggers[*]"] too.
  (The triggers description says an `update` command avoids the replacement; pulumi-command#855 reports
  that it does not, as the code shows.)
- secrets: an input keeps its secretness in the outputs (pulumi-go-provider's ensureDefaultSecrets: each
  output follows the input of its name); stdout/stderr are made secret by the program's
  additional_secret_outputs, which the engine applies;
- read (refresh) returns the state unchanged: Command has no Read of its own (infer default);
- the id is the resource name and 8 random hex digits (resource.NewUniqueHex(name, 8, 0)).
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import threading

from pulumi.runtime.proto import provider_pb2

from .protocol import UNKNOWN_VALUE, Props, Resource, ResourceError

INPUTS = ("addPreviousOutputInEnv", "archivePaths", "assetPaths", "create", "delete", "dir", "environment",
          "interpreter", "logging", "stdin", "triggers", "update")
REPLACE_ON_CHANGES = ("triggers",)
OUTPUTS = ("stdout", "stderr")


def _exit(rc: int) -> str:
    """As Go's exec.ExitError prints itself."""
    return f"signal: {-rc}" if rc < 0 else f"exit status {rc}"


class Command(Resource):
    def check(self, olds: Props, news: Props):
        failures = [(k, f"{k} is not an input of command:local:Command") for k in news.values
                    if k not in INPUTS and not k.startswith("__")]
        logging = news.get("logging")
        if logging not in (None, "stdout", "stderr", "stdoutAndStderr", "none"):
            failures.append(("logging", f"{logging!r} is not one of stdout, stderr, stdoutAndStderr, none"))
        if news.values.get("addPreviousOutputInEnv") is None:
            news.values["addPreviousOutputInEnv"] = True  # base.go: a.SetDefault(&c.AddPreviousOutputInEnv, true)
        return news, failures

    def diff(self, id_: str, olds: Props, news: Props, old_inputs: Props) -> provider_pb2.DiffResponse:
        before = old_inputs.values if old_inputs.values else {k: olds.values.get(k) for k in INPUTS}
        detailed = {}
        for key in sorted(set(before) | set(news.values)):
            if key == "version" or key.startswith("__") or before.get(key) == news.values.get(key):
                continue
            replace = key in REPLACE_ON_CHANGES
            kind = ("ADD" if key not in before or before[key] is None else
                    "DELETE" if news.values.get(key) is None else "UPDATE")
            detailed[key] = provider_pb2.PropertyDiff(
                kind=getattr(provider_pb2.PropertyDiff, f"{kind}_REPLACE" if replace else kind), inputDiff=True)
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME if detailed else provider_pb2.DiffResponse.DIFF_NONE,
            replaces=[k for k in detailed if k in REPLACE_ON_CHANGES], diffs=list(detailed),
            detailedDiff=detailed, hasDetailedDiff=True)

    def create(self, urn: str, news: Props, preview: bool):
        id_ = f"{urn.split('::')[-1]}{secrets.token_hex(4)}"
        outs = Props({**news.values}, set(news.secret))
        if preview:
            outs.values.update(stdout=UNKNOWN_VALUE, stderr=UNKNOWN_VALUE)
            return id_, outs
        outs.values.update(stdout="", stderr="")
        if news.get("create"):
            outs.values.update(self._run(urn, news.get("create"), news, {}))
        return id_, outs

    def update(self, urn: str, id_: str, olds: Props, news: Props, preview: bool) -> Props:
        outs = Props({**news.values, "stdout": olds.get("stdout", ""), "stderr": olds.get("stderr", "")},
                     set(news.secret))
        command = news.get("update") or news.get("create")
        if preview or not command:
            return outs
        outs.values.update(self._run(urn, command, news, olds.values))
        return outs

    def delete(self, urn: str, id_: str, state: Props) -> None:
        if state.get("delete"):
            self._run(urn, state.get("delete"), state, state.values)

    def _run(self, urn: str, command: str, inputs: Props, previous: dict) -> dict:
        argv = list(inputs.get("interpreter") or ["/bin/sh", "-c"]) + [command]
        env = dict(os.environ)
        env.update({str(k): str(v) for k, v in (inputs.get("environment") or {}).items()})
        if inputs.get("addPreviousOutputInEnv", True):
            for key, var in (("stdout", "PULUMI_COMMAND_STDOUT"), ("stderr", "PULUMI_COMMAND_STDERR")):
                if previous.get(key):
                    env[var] = previous[key]
        stdin = inputs.get("stdin") or None
        logging = inputs.get("logging")
        log_out, log_err = logging in (None, "stdout", "stdoutAndStderr"), logging in (None, "stderr", "stdoutAndStderr")
        try:
            proc = subprocess.Popen(argv, cwd=inputs.get("dir") or os.getcwd(), env=env, text=True,
                                    stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as err:
            raise ResourceError(f"{err}: running {json.dumps(command)}") from err
        combined: list[str] = []
        lock = threading.Lock()

        def pump(stream, sink: list[str], log: bool) -> None:
            for line in stream:
                sink.append(line)
                with lock:
                    combined.append(line)
                if log:
                    self.engine.log(urn, line.rstrip("\n"))

        out, err_ = [], []
        threads = [threading.Thread(target=pump, args=(proc.stdout, out, log_out)),
                   threading.Thread(target=pump, args=(proc.stderr, err_, log_err))]
        for t in threads:
            t.start()
        if stdin:
            try:
                proc.stdin.write(stdin)
                proc.stdin.close()
            except BrokenPipeError:
                pass  # the command did not read it all (rm does not): Go's exec ignores EPIPE on stdin too
        for t in threads:
            t.join()
        rc = proc.wait()
        if rc != 0:
            raise ResourceError(f"{_exit(rc)}: running {json.dumps(command)}:\n{''.join(combined)}")
        return {"stdout": "".join(out).removesuffix("\n"), "stderr": "".join(err_).removesuffix("\n")}


RESOURCES = {"command:local:Command": Command}
