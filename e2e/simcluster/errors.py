"""The one error the cluster script reports to its user (no traceback)."""


class ClusterError(Exception):
    pass
