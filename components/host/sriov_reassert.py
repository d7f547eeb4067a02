"""Old state's path of the SR-IOV re-assert's provider (see components/host/__init__.py)."""
from host.sriov_reassert import SriovReassertProvider  # noqa: F401  (state pickled before the move)
