"""STAND-IN provider plugins for the kind-host twin (e2e only): `command` (local.Command), `docker-build`
(Image) and `docker` (RemoteImage, Container), which the Go module proxy does not serve here (or, for
docker-build, cannot build from: no base image can be pulled). Each speaks the engine's resource-provider
protocol (the gRPC stubs of the `pulumi` SDK), is installed under the twin's PULUMI_HOME at the version
the pinned PyPI package asks for, and follows the real provider's documented behaviour for every field the
program uses; each module cites the upstream source it follows. They really run the program's commands.
"""
