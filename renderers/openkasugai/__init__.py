"""Pure renderers of the OpenKasugai controller: CRDs, ConfigMaps, Deployments, agents (no Pulumi here)."""
