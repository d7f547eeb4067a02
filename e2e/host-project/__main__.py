"""e2e test project: the program's HostDevices component, configured to the host tests' fixture.

Config (set by e2e/tests/test_host_engine.py): clusterName, claimsDir, sysfsRoot and attachments, a
list of {worker, pf, vfs, address}. Runs from the repository root on PYTHONPATH (components.*).
"""
import pulumi

from components.devices import Attachment, HostDevices, HostDevicesArgs

config = pulumi.Config()
host = HostDevices("host", HostDevicesArgs(
    stack=pulumi.get_stack(),
    cluster_name=config.require("clusterName"),
    attachments=[Attachment(a["worker"], a["pf"], int(a["vfs"]), a.get("address"))
                 for a in config.require_object("attachments")],
    claims_dir=config.require("claimsDir"),
    root=config.require("sysfsRoot"),
))
pulumi.export("links", [a.record["links"] for a in host.sriov])
