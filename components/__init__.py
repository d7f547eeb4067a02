"""Components of the openkasugai-aio Pulumi program: one ComponentResource per module."""
