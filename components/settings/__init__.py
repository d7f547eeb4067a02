"""Stack settings: load, default and validate the config in one place."""
from .load import SettingsError, load
from .model import Controller, Registry, Settings, SriovIpam, SriovPf, Worker, worker_node_name
from .pulumi_config import from_pulumi
from .schema import KEYS, PROJECT

__all__ = ["SettingsError", "load", "from_pulumi", "Settings", "Worker", "SriovPf", "Registry",
           "SriovIpam", "Controller", "KEYS", "PROJECT", "worker_node_name"]
