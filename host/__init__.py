"""Host operations: SR-IOV PFs/VFs and the GPU handed to Kind workers (no Pulumi at import time)."""
