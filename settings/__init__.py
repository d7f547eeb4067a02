"""Stack settings: load, default and validate the config in one place."""
from .errors import SettingsError
from .load import load
from .model import ControllerSettings, Registry, Settings, SriovIpam, SriovPf, Worker, worker_node_name
from .pulumi_config import from_pulumi
from .schema import KEYS, PROJECT
from .stackfile import StackFileError, read_stack_file

__all__ = ["SettingsError", "StackFileError", "read_stack_file", "load", "from_pulumi", "Settings", "Worker", "SriovPf", "Registry",
           "SriovIpam", "ControllerSettings", "KEYS", "PROJECT", "worker_node_name"]
