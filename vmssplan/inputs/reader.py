"""Input: what one run has read (every document, every secret seen in them)."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import secrets
from ..model import UsageError
from . import files, git
from .documents import Document, load_document


@dataclass
class Reader:
    """Reads documents for one run, remembering each one and the secrets in it."""

    documents: dict[str, Document] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)

    def read(self, path: str, root: Path | None = None) -> Document:
        """The document ``path`` names; a file on disk is read through the one gate
        (:func:`.files.read_bytes`), inside ``root`` (default: the repository that holds
        the name as given, or its directory outside one)."""
        doc = load_document(path, root)
        self.add(doc)
        return doc

    def add(self, doc: Document) -> None:
        """A document made from others (an edited model), kept like one read."""
        self.documents[doc.path] = doc
        self.secrets |= secrets.collect(doc.data)

    def linked_templates(self, template: Document) -> tuple[Path | None, Callable[[Path], tuple[Any, str]]]:
        """(the directory a template's relative links start from, a reader of linked
        templates that gives a template's data and the name its document is known by):
        a template read at a git revision links to files at that revision.

        What a linked template may be (a ``relativePath`` link, or a ``templateLink.uri``
        that points next to the template by the ``_artifactsLocation`` convention): what
        the one gate of every file read (:mod:`.files`) lets through, inside the boundary
        of the linking template (the repository that holds it, or its own directory tree
        when there is no repository). Anything else is an :class:`OSError` saying why (the
        resolve stage makes it a finding): a link in a pull request never reads a file
        elsewhere on the runner, nor says whether one is there.
        """
        revision, path = git.parse_spec(template.path) if git.is_git_spec(template.path) else (None, template.path)
        directory = None if template.path == "<stdin>" else Path(path).parent
        root = files.boundary(path) if directory is not None else None

        def read_linked(link: Path) -> tuple[Any, str]:
            if root is None:
                raise files.Refused(errno.EACCES, files.OUTSIDE)
            target = files.inside(link, root)
            if revision is None and not target.is_file():
                raise OSError(errno.ENOENT, "is not a file" if target.exists() else "is not there")
            shown = os.path.relpath(target)  # as the user names files: from the working directory
            name = str(target) if shown.startswith("..") else shown
            spec = git.spec(revision, name) if revision else git.disk_path(name)  # a file named git:... is a file
            known = self.documents.get(spec)  # a link in a copy loop reads its file once
            try:
                doc = known if known is not None else self.read(spec, root)
                return doc.data, doc.path
            except UsageError as exc:  # unreadable, refused, or not a file of the revision
                if revision is None:
                    raise OSError(errno.EACCES, str(exc).removeprefix(f"{spec}: ")) from None
                raise OSError(errno.ENOENT, f"is not a file at revision {revision}") from None

        return directory, read_linked
