"""Entry point of `python -m host`."""
import sys

from .cli import main

sys.exit(main())
