"""STAND-IN for `pulumi-language-python`, the one piece of a user's `pulumi` run that cannot be built here
(the Go module proxy does not serve it): serves the language runtime for ONE CLI command, which is
given `--client=127.0.0.1:PORT`, as the Automation API does.

    python -m e2e.cli.launcher PROJECT_DIR    # prints the port on its first line, serves until killed

Everything else is the user's: the CLI reads PROJECT_DIR/Pulumi.yaml and the stack file, validates
and decrypts config and starts the providers (the dynamic one from the project's `venv`, as the
runtime options of Pulumi.yaml say). The program runs the way `pulumi-language-python-exec` (pulumi
v3.274.0, sdk/python/cmd) runs it: in a fresh process per command, cwd the project folder, on
sys.path, as `__main__`; a RunError is logged once and ends the run as a non-zero exit does there
("program exited with non-zero exit code: 1"); any other exception is logged with its traceback and
the run bails, as exit code 32 does.
"""
from __future__ import annotations

import asyncio
import logging
import os
import runpy
import sys
import traceback
from concurrent import futures
from pathlib import Path

import grpc
from pulumi import log
from pulumi.errors import RunError
from pulumi.runtime import reset_options, run_in_stack, set_all_config
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

# What pulumi-language-python answers for a program that exited 1 (its main.go, Run).
EXITED_1 = "program exited with non-zero exit code: 1"


class ProgramRuntime(language_pb2_grpc.LanguageRuntimeServicer):
    """The language runtime the CLI talks to, on the SDK's public protocol stubs: About, plugins and info
    answered as the Automation API's inline server answers them, Run done as the exec script does."""

    def __init__(self, project_dir: Path) -> None:
        self.project_dir = project_dir

    def About(self, request, context):  # noqa: N802 - the gRPC method's name
        version = ".".join(str(n) for n in sys.version_info[:3])
        return language_pb2.AboutResponse(executable=sys.executable, version=version)

    def GetRequiredPlugins(self, request, context):  # noqa: N802
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(self, request, context):  # noqa: N802
        return language_pb2.GetRequiredPackagesResponse()

    def GetPluginInfo(self, request, context):  # noqa: N802
        return plugin_pb2.PluginInfo()

    def _program(self) -> None:
        runpy.run_path(str(self.project_dir / "__main__.py"), run_name="__main__")

    def Run(self, request, context):  # noqa: N802 - the gRPC method's name
        reset_options(project=request.project, stack=request.stack, root_directory=str(self.project_dir),
                      monitor_address=request.monitor_address,
                      engine_address=request.args[0] if request.args else "",
                      parallel=request.parallel, preview=request.dryRun,
                      organization=request.organization or "organization")
        if request.config:
            set_all_config(request.config, request.configSecretKeys or None)
        os.chdir(self.project_dir)
        sys.path.insert(0, str(self.project_dir))
        loop = asyncio.new_event_loop()
        loop.set_default_executor(futures.ThreadPoolExecutor(max_workers=max(request.parallel, 1) * 4))
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        try:
            loop.run_until_complete(run_in_stack(self._program))
        except RunError as err:
            log.error(str(err))
            return language_pb2.RunResponse(error=EXITED_1)
        except Exception:  # noqa: BLE001 - shown to the user as the exec script shows it
            log.error("Program failed with an unhandled exception:\n" + traceback.format_exc())
            return language_pb2.RunResponse(bail=True)
        finally:
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.close()
            sys.stdout.flush()
            sys.stderr.flush()
        return language_pb2.RunResponse()


def main(argv: list[str]) -> int:
    project_dir = Path(argv[0]).resolve()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4),
                         options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)])
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(ProgramRuntime(project_dir), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    server.wait_for_termination()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
