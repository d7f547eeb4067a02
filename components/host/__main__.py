"""Entry point of `python -m components.host`."""
import sys

from .cli import main

sys.exit(main())
