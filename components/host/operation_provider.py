"""Old state's path of the generic host-operation provider (see components/host/__init__.py)."""
from host.operation_provider import HostOperationProvider  # noqa: F401  (state pickled before the move)
