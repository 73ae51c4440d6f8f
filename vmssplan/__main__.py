"""``python -m vmssplan``."""

from .cli import main

raise SystemExit(main())
