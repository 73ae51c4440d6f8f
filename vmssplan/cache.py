"""A small on-disk cache of results that are pure functions of their inputs.

Used for schema validation: the findings of a document depend only on its text, its kind,
the schemas and the validating code, so a document seen before (the pre-commit validate
hook, then the plan hook; a CI rerun) skips importing jsonschema, which alone costs more
than the rest of a plan. The key covers every input, so a stale entry is impossible; a
broken or unwritable cache is ignored, never an error.

``VMSSPLAN_CACHE_DIR`` sets the directory (default ``$XDG_CACHE_HOME/vmssplan``, else
``~/.cache/vmssplan``); ``VMSSPLAN_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from . import __version__


def _directory() -> Path | None:
    if os.environ.get("VMSSPLAN_NO_CACHE"):
        return None
    explicit = os.environ.get("VMSSPLAN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "vmssplan"


def key(*parts: str) -> str:
    digest = hashlib.sha256(__version__.encode())
    for part in parts:
        digest.update(b"\0" + part.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def get(name: str) -> Any:
    """The cached value, or None (absent, unreadable, corrupt, or caching off)."""
    directory = _directory()
    if directory is None:
        return None
    try:
        return json.loads((directory / name[:2] / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def put(name: str, value: Any) -> None:
    """Store ``value`` (JSON); written atomically, errors ignored."""
    directory = _directory()
    if directory is None:
        return
    try:
        folder = directory / name[:2]
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(value, handle)
        os.replace(tmp, folder / f"{name}.json")
    except OSError:
        pass
