"""Stage: reading inputs. Every file a run opens is read here, and nothing else is.

- :mod:`.documents` (files, ``-``, ``git:REV:PATH``): JSON with its checks, the kind of
  document by shape, the scale sets it holds;
- :mod:`.git`: documents at a revision and the files changed since one;
- :mod:`.parameters`: which parameter files and ``NAME=VALUE`` arguments a template gets;
- :mod:`.edits`: ``--set/--add/--remove`` and ``--patch``, applied to a model;
- :mod:`.instances`: the VMs of a scale set, from an instance list;
- :mod:`.revisions`: which changed files to plan against a revision.

:class:`Reader` keeps what a run has read: every document (findings are located in them
at the end) and every secret value seen (scrubbed from the view).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import secrets
from . import git
from .documents import Document, load_document


@dataclass
class Reader:
    """Reads documents for one run, remembering each one and the secrets in it."""

    documents: dict[str, Document] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)

    def read(self, path: str) -> Document:
        doc = load_document(path)
        self.add(doc)
        return doc

    def add(self, doc: Document) -> None:
        """A document made from others (an edited model), kept like one read."""
        self.documents[doc.path] = doc
        self.secrets |= secrets.collect(doc.data)

    def linked_templates(self, template: Document) -> tuple[Path | None, Callable[[Path], Any]]:
        """(the directory a template's relative links start from, a reader of linked
        templates): a template read at a git revision links to files at that revision."""
        revision, path = git.parse_spec(template.path) if git.is_git_spec(template.path) else (None, template.path)

        def read_linked(link: Path) -> Any:
            return self.read(git.spec(revision, str(link)) if revision else str(link)).data

        return (None if template.path == "<stdin>" else Path(path).parent), read_linked
