"""Kept ONLY so that state written before the host package moved (components/host/ -> host/) still unpickles.

Pulumi stores each dynamic provider pickled by reference to its class's module path, and state written by
earlier versions names these three modules; each re-exports (or, for the legacy subclasses, defines) the
class that serves that resource now. New state names host.operation_provider and host.sriov_reassert
(tests/unit/test_host_pickles.py proves both directions). Add nothing else here."""
