"""Pure renderers of the OpenKasugai controller and platform add-on manifests (no Pulumi here)."""
