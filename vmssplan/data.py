"""Where the shipped data lives: the ``rules/``, ``lint/``, ``findings/`` and ``schemas/``
directories.

In an installed wheel they are the packages ``vmssplan.rules``, ``vmssplan.lint_rules``
(not ``vmssplan.lint``: that is the lint module, and a data package of that name would
shadow it), ``vmssplan.finding_rules`` and ``vmssplan.schemas``;
in a source checkout (tests run from the repository root, where the local ``vmssplan/``
shadows any installed copy) they are the top-level directories next to ``vmssplan/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

_SOURCE_ROOT = Path(__file__).resolve().parent.parent
#: package name (under vmssplan.) -> directory at the top of a source checkout
_SOURCE_DIRS = {"rules": "rules", "schemas": "schemas", "lint_rules": "lint", "finding_rules": "findings"}


@cache
def data_dir(name: str) -> Path:
    """The directory of the data package ``name`` (rules, lint_rules, finding_rules, schemas)."""
    try:
        from importlib.resources import files

        path = Path(str(files(f"vmssplan.{name}")))
        if path.is_dir():
            return path
    except (ModuleNotFoundError, NotADirectoryError, TypeError):
        pass
    return _SOURCE_ROOT / _SOURCE_DIRS.get(name, name)


def schema_text(*parts: str) -> str:
    """Text of ``schemas/<parts...>``."""
    return data_dir("schemas").joinpath(*parts).read_text(encoding="utf-8")


def rule_files(builtins: tuple[Path, ...], extra_dirs: tuple[str, ...], check_builtin: bool,
               what: str) -> Iterator[tuple[Path, bool, bool]]:
    """(path, whether to check it against its schema, whether it is built in) of every rule
    file: the built-in directories first, then ``extra_dirs`` in order (user files are always
    checked: a broken one is a usage error naming it); each directory in name order."""
    from .model import UsageError

    for directory, check, is_builtin in [(b, check_builtin, True) for b in builtins] + [(Path(d), True, False)
                                                                                         for d in extra_dirs]:
        if not directory.is_dir():
            raise UsageError(f"{directory}: {what} directory not found")
        for path in sorted(directory.glob("*.json")):
            yield path, check, is_builtin
