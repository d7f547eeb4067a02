"""Scenario code: the catalog (facts), the pure renderers, the components that deploy them and the verifier.

Import the submodules; this package imports nothing, so that settings can read the catalog alone.
"""
