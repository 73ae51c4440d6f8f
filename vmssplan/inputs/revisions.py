"""Input: the files to plan against a git revision (``--base-ref``, the hook, CI).

A changed file is planned if it holds scale sets; a parameters file stands for its
template (``x.parameters.json`` -> ``x.json``); other JSON is none of vmssplan's business,
but a changed file that cannot be read is planned, so that the error is reported.

Every name here is a file of the working tree, found by git or given after ``--base-ref``:
never a ``git:REV:PATH`` (:func:`git.disk_path`). A renamed file is planned against its old
path at the revision; a symbolic link of the revision turned into a file, against what the
link held there.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..model import DocumentError, DocumentKind, UsageError
from . import git
from .documents import load_document, template_scale_sets

_PLANNED_KINDS = (DocumentKind.REST_MODEL, DocumentKind.AZ_MODEL, DocumentKind.MODEL_LIST)


def plannable(path: str) -> str | None:
    """The file to plan for a changed ``path``, or None."""
    if not Path(path).is_file():
        return None
    _inside_repository(path)
    try:
        doc = load_document(path)
    except (DocumentError, UsageError):
        return path  # broken JSON in a changed file is worth reporting
    if doc.kind is DocumentKind.ARM_PARAMETERS:
        name = Path(path).name
        if name.lower().endswith(".parameters.json"):
            template = Path(path).with_name(name[: -len(".parameters.json")] + ".json")
            return git.disk_path(str(template)) if template.is_file() else None
        return None
    if doc.kind is DocumentKind.ARM_TEMPLATE:
        return path if list(template_scale_sets(doc.data, doc.path)) else None
    return path if doc.kind in _PLANNED_KINDS else None


def _inside_repository(path: str) -> None:
    """A changed file that is a symbolic link to a file outside the repository is refused,
    unread: a pull request cannot make the check print a runner's file."""
    if not os.path.islink(path):
        return
    top = git.toplevel()
    target = Path(os.path.realpath(path))
    if top is None or not target.is_relative_to(top):
        raise UsageError(f"{path}: a symbolic link to a file outside the repository; not read")


def _key(path: str) -> str:
    """A working-tree path as git's ``--relative`` output names it."""
    return os.path.normpath(path).replace(os.sep, "/")


def planned_files(revision: str, paths: tuple[str, ...]) -> list[tuple[str | None, str]]:
    """(the file at ``revision`` as a ``git:`` spec, or None when it is new; the file in the
    working tree) for each file to plan among ``paths`` (default: those changed since
    ``revision``; a directory stands for the changed files under it), each once."""
    changed = git.changed_files(revision)
    renamed = {_key(c.path): c.old_path for c in changed if c.old_path is not None}
    if paths:
        names: list[str] = []
        for path in paths:
            if Path(git.disk_path(path)).is_dir():
                prefix = _key(path).rstrip("/") + "/"
                names += [c.path for c in changed if prefix == "./" or c.path.startswith(prefix)]
            else:
                names.append(path)
    else:
        names = [c.path for c in changed]
    out: list[tuple[str | None, str]] = []
    seen: set[str] = set()
    for name in names:
        target = plannable(git.disk_path(name))
        if target is None or _key(target) in seen:
            continue
        seen.add(_key(target))
        old = renamed.get(_key(target), _key(target))
        out.append((git.spec(revision, old) if git.exists(revision, old) else None, target))
    return out
