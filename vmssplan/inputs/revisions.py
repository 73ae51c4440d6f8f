"""Input: what to plan against a git revision (``--base-ref``, the hook, CI).

A change is planned by deployment: a template with one of its parameters files (each of
them separately), or a template or scale-set model on its own. A changed template is
planned with each of its parameters files; a changed parameters file with its template;
a deleted one is planned as its scale sets deleted; a new one, created. A file that holds
no scale set (a template without a scale-set resource, its parameters files, other JSON)
is none of vmssplan's business and is passed over quietly; a changed file that cannot be
read is planned, so that the error is reported.

Which parameters files belong to which template: the configuration's ``parameters``
mapping, else by name (:func:`.parameters.template_of`).

The range is :func:`git.resolve_range`'s: the base, against the working tree or, for
``pre-commit run --from-ref X --to-ref Y``, against the files at Y. Every name here is
relative to the working directory, whatever it is (the changed files of the whole
repository), and a file of the working tree is never taken for a ``git:REV:PATH``
(:func:`git.disk_path`). A renamed file is planned against its old path at the base; a
symbolic link of the base turned into a file, against what the link held there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..model import DocumentError, DocumentKind, UsageError
from . import git
from .documents import Document, load_document, template_scale_sets
from .parameters import template_of


class Config(Protocol):
    """What this module asks of the configuration (:class:`vmssplan.config.Config`): its
    ``parameters`` mapping."""

    def parameters_of(self, template: str) -> tuple[str, ...] | None: ...

    def template_of(self, parameters_file: str) -> str | None: ...

_PLANNED_KINDS = (DocumentKind.REST_MODEL, DocumentKind.AZ_MODEL, DocumentKind.MODEL_LIST)


@dataclass(frozen=True)
class Deployment:
    """One thing to plan: each side a file (a ``git:`` spec at the base; a file of the
    working tree, or a ``git:`` spec at the range's head) with its parameters file, if it
    has one. ``current`` None: new (created); ``proposed`` None: deleted."""

    current: str | None
    proposed: str | None
    current_parameters: str | None = None
    proposed_parameters: str | None = None
    #: The parameters file as the change names it (shown with the plan), if any.
    parameters: str | None = None


class _Sides:
    """Reads a path at the base and at the head of a range (the working tree when the range
    has no head), each file once."""

    def __init__(self, changes: git.Range) -> None:
        self.changes = changes
        self._docs: dict[tuple[bool, str], Document | None] = {}
        self._listings: dict[str, set[str]] = {}

    def at_head(self, path: str) -> str | None:
        """How the head side names ``path``, or None when it is not there."""
        if self.changes.head is not None:
            return git.spec(self.changes.head, path) if git.exists(self.changes.head, path) else None
        name = git.disk_path(path)
        if not Path(name).is_file():
            return None
        _inside_repository(name)
        return name

    def at_base(self, path: str) -> str | None:
        return git.spec(self.changes.base, path) if git.exists(self.changes.base, path) else None

    def document(self, path: str, head: bool) -> Document | None:
        """The document at one side; None when it is not there or cannot be read."""
        key = (head, path)
        if key not in self._docs:
            name = self.at_head(path) if head else self.at_base(path)
            try:
                self._docs[key] = load_document(name) if name is not None else None
            except (DocumentError, UsageError):
                self._docs[key] = None
        return self._docs[key]

    def readable(self, path: str) -> bool:
        """Whether the head side of ``path`` is there and can be read (else, it is planned
        so that the error is reported)."""
        return self.document(path, True) is not None or self.at_head(path) is None

    def has_scale_sets(self, path: str) -> bool:
        """Whether ``path`` holds scale sets on either side."""
        for head in (True, False):
            doc = self.document(path, head)
            if doc is None:
                continue
            if doc.kind is DocumentKind.ARM_TEMPLATE and next(template_scale_sets(doc.data, doc.path), None):
                return True
            if doc.kind in _PLANNED_KINDS:
                return True
        return False

    def is_template(self, path: str) -> bool:
        return any(d is not None and d.kind is DocumentKind.ARM_TEMPLATE
                   for d in (self.document(path, True), self.document(path, False)))

    def is_parameters(self, path: str) -> bool:
        return any(d is not None and d.kind is DocumentKind.ARM_PARAMETERS
                   for d in (self.document(path, True), self.document(path, False)))

    def listing(self, directory: str) -> set[str]:
        """The file names of ``directory`` on either side (asked once a directory)."""
        if directory in self._listings:
            return self._listings[directory]
        names: set[str] = set()
        revisions = [self.changes.base] + ([self.changes.head] if self.changes.head is not None else [])
        for rev in revisions:
            names |= {name for name, regular, _ in git.list_directory(rev, directory or ".") or [] if regular}
        if self.changes.head is None:  # the working tree: what git tracks, as the diff sees it
            names |= git.indexed(directory)
        self._listings[directory] = names
        return names


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
    """A path as git's output names it: normalised, ``/``-separated."""
    return os.path.normpath(path).replace(os.sep, "/")


def _parameters_files(template: str, sides: _Sides, config: Config | None) -> list[str]:
    """The parameters files of ``template`` on either side: the configuration's, else those
    its name gives it in its directory."""
    if config is not None:
        mapped = config.parameters_of(template)
        if mapped is not None:
            return list(mapped)
    directory = os.path.dirname(template)
    found = []
    for name in sorted(sides.listing(directory)):
        path = _key(os.path.join(directory, name)) if directory else name
        owner = config.template_of(path) if config is not None else None
        if owner is None and (template_of(path) or "").lower() == template.lower() and sides.is_parameters(path):
            found.append(path)
    return found


def _template_for(parameters_file: str, config: Config | None) -> str | None:
    owner = config.template_of(parameters_file) if config is not None else None
    return owner if owner is not None else template_of(parameters_file)


def planned_files(revision: str | git.Range, paths: tuple[str, ...],
                  config: Config | None = None) -> list[Deployment]:
    """What to plan among ``paths`` (default: the JSON files changed in the range; a
    directory stands for the changed files under it), each deployment once, in path order."""
    changes = git.resolve_range(revision) if isinstance(revision, str) else revision
    changed = git.changed_files(changes)
    renamed = {_key(c.path): _key(c.old_path) for c in changed if c.old_path is not None}
    if paths:
        names: list[str] = []
        for path in paths:
            if Path(git.disk_path(path)).is_dir():
                prefix = _key(path).rstrip("/") + "/"
                names += [c.path for c in changed if prefix == "./" or _key(c.path).startswith(prefix)]
            else:
                names.append(path)
    else:
        names = [c.path for c in changed]
    sides = _Sides(changes)
    units: dict[tuple[str, str | None], None] = {}  # insertion-ordered set
    for name in map(_key, names):
        if not sides.readable(name):
            units[(name, None)] = None  # reported by the plan
        elif sides.is_parameters(name):
            template = _template_for(name, config)
            if template is not None and sides.is_template(template) and sides.has_scale_sets(template):
                units[(template, name)] = None
        elif sides.has_scale_sets(name):
            found: list[str | None] = [*_parameters_files(name, sides, config)] if sides.is_template(name) else []
            for parameters in found or [None]:
                units[(name, parameters)] = None
    out = []
    for template, parameters in sorted(units, key=lambda u: (u[0], u[1] or "")):
        out.append(_deployment(template, parameters, sides, renamed))
    return out


def _deployment(template: str, parameters: str | None, sides: _Sides, renamed: dict[str, str]) -> Deployment:
    old = renamed.get(template, template)
    current, proposed = sides.at_base(old), sides.at_head(template)
    current_parameters = proposed_parameters = None
    if parameters is not None:
        current_parameters = sides.at_base(renamed.get(parameters, parameters))
        proposed_parameters = sides.at_head(parameters)
        if current_parameters is None:
            current = None  # a deployment new in this change: its scale sets are created
        if proposed_parameters is None:
            proposed = None  # gone in this change: its scale sets are deleted
    return Deployment(current, proposed, current_parameters, proposed_parameters, parameters)
