"""``python -m vmssplan``."""

from .cli import run

run()
