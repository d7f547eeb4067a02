"""e2e test project: the program's HostOperations component (stage "after": the `sriov` operation), configured
to the host tests' fixture.

Config (set by e2e/tests/test_host_engine.py): clusterName, claimsDir, sysfsRoot and attachments, a
list of {worker, pf, vfs, address}. Runs from the repository root on PYTHONPATH (components.*, host.*).
"""
import pulumi

from components.host_operations import HostOperations, HostOperationsArgs
from host.sriov import SriovSpec
from host.sriov_attachment import node_container

config = pulumi.Config()
host = HostOperations("host", HostOperationsArgs("after", {"sriov": [
    SriovSpec(stack=pulumi.get_stack(), worker=node_container(config.require("clusterName"), a["worker"]),
              pf=a["pf"], vfs=int(a["vfs"]), address=a.get("address"), claims_dir=config.require("claimsDir"),
              root=config.require("sysfsRoot"))
    for a in config.require_object("attachments")]}))
pulumi.export("links", [a.record["links"] for a in host.operations["sriov"]])
