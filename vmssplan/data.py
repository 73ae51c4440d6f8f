"""Where the shipped data lives: the ``rules/`` and ``schemas/`` directories.

In an installed wheel they are the packages ``vmssplan.rules`` and ``vmssplan.schemas``;
in a source checkout (tests run from the repository root, where the local ``vmssplan/``
shadows any installed copy) they are the top-level directories next to ``vmssplan/``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_SOURCE_ROOT = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    """The directory of ``rules`` or ``schemas``."""
    try:
        from importlib.resources import files

        path = Path(str(files(f"vmssplan.{name}")))
        if path.is_dir():
            return path
    except (ModuleNotFoundError, NotADirectoryError, TypeError):
        pass
    return _SOURCE_ROOT / name


def schema_text(*parts: str) -> str:
    """Text of ``schemas/<parts...>``."""
    return data_dir("schemas").joinpath(*parts).read_text(encoding="utf-8")
