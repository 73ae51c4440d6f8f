"""Input: the files to plan against a git revision (``--base-ref``, the hook, CI).

A changed file is planned if it holds scale sets; a parameters file stands for its
template (``x.parameters.json`` -> ``x.json``); other JSON is none of vmssplan's business,
but a changed file that cannot be read is planned, so that the error is reported.
"""

from __future__ import annotations

from pathlib import Path

from ..model import DocumentError, DocumentKind, UsageError
from . import git
from .documents import load_document, template_scale_sets

_PLANNED_KINDS = (DocumentKind.REST_MODEL, DocumentKind.AZ_MODEL, DocumentKind.MODEL_LIST)


def plannable(path: str) -> str | None:
    """The file to plan for a changed ``path``, or None."""
    if not Path(path).is_file():
        return None
    try:
        doc = load_document(path)
    except (DocumentError, UsageError):
        return path  # broken JSON in a changed file is worth reporting
    if doc.kind is DocumentKind.ARM_PARAMETERS:
        name = Path(path).name
        if name.lower().endswith(".parameters.json"):
            template = Path(path).with_name(name[: -len(".parameters.json")] + ".json")
            return str(template) if template.is_file() else None
        return None
    if doc.kind is DocumentKind.ARM_TEMPLATE:
        return path if list(template_scale_sets(doc.data, doc.path)) else None
    return path if doc.kind in _PLANNED_KINDS else None


def planned_files(revision: str, paths: tuple[str, ...]) -> list[tuple[str | None, str]]:
    """(the file at ``revision`` as a ``git:`` spec, or None when it is new; the file in the
    working tree) for each file to plan among ``paths`` (default: those changed since
    ``revision``), each once."""
    git.verify_revision(revision)
    out: list[tuple[str | None, str]] = []
    seen: set[str] = set()
    for path in list(paths) if paths else git.changed_files(revision):
        target = plannable(path)
        if target is None or target in seen:
            continue
        seen.add(target)
        out.append((git.spec(revision, target) if git.exists(revision, target) else None, target))
    return out
