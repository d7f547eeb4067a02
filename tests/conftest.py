"""Every test sees an empty source cache of its own, never the user's ~/.cache/openkasugai-aio."""
import os
import tempfile

os.environ["OPENKASUGAI_AIO_CACHE"] = tempfile.mkdtemp(prefix="openkasugai-aio-cache-")
