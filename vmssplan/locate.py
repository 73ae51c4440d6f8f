"""Source locations: where a finding or a change sits in the user's file.

Findings are made with an RFC 6901 pointer into the document they are about; changes
with a pointer into the canonical model. This module turns both into file, line and
column, once, at the end of a run (for the formats that show them): a canonical pointer
is first walked back to the source document (:func:`source_pointer`), then the document
gives the line and column of the nearest node it has.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from . import shape
from .inputs.documents import Document
from .model import Change, Finding, ScaleSet
from .pointer import escape, split


def located(findings: Iterable[Finding], documents: dict[str, Document]) -> list[Finding]:
    """``findings`` with line and column filled in from their documents where missing."""
    out = []
    for finding in findings:
        doc = documents.get(finding.file)
        out.append(doc.locate(finding) if doc is not None and finding.line is None else finding)
    return out


def in_source(scale_set: ScaleSet, findings: Iterable[Finding]) -> list[Finding]:
    """Findings made on a canonical model (lint), pointing into the source document instead."""
    return [replace(f, file=f.file or scale_set.source.file, pointer=source_pointer(scale_set, f.pointer))
            for f in findings]


def locate_changes(changes: Iterable[Change], scale_set: ScaleSet, documents: dict[str, Document]) -> None:
    """Fill in where each change sits in the user's file (for SARIF and annotations)."""
    doc = documents.get(scale_set.source.file)
    if doc is None:
        return
    for change in changes:
        change.file = doc.path
        change.line, change.column = doc.position(source_pointer(scale_set, change.path))


def source_pointer(scale_set: ScaleSet, pointer: str) -> str:
    """Where a canonical ``pointer`` is in the user's document, as well as can be told.

    Walks the source resource next to the canonical model, undoing what normalization did:
    property names respelled (``diskSizeGb``), the ``properties`` envelope the SDK flattens
    (`az vmss show`, extensions' ``typePropertiesType``), keyed arrays sorted by key. Where
    the walk cannot follow (a value computed by a template expression or copy loop), it
    stops: the pointer of the nearest ancestor, which the document can locate. The result
    includes ``scale_set.source.pointer`` (``/resources/3`` in a template).
    """
    raw: Any = scale_set.source.resource
    canon: Any = scale_set.model
    out: list[str] = []
    previous = ""
    for token in split(pointer):
        if isinstance(canon, dict):
            canon = canon.get(token)
        elif isinstance(canon, list) and token.isdigit() and int(token) < len(canon):
            canon = canon[int(token)]
        else:
            canon = None
        if isinstance(raw, dict):
            key = token if token in raw else next(
                (k for k in raw if isinstance(k, str) and (shape.rest_name(k) == token or k.lower() == token.lower())), None)
            if key is None and token == "type" and "typePropertiesType" in raw:
                key = "typePropertiesType"
            if key is None:
                if token == "properties":  # the envelope the SDK flattens: same raw node
                    previous = token
                    continue
                break
            out.append(key)
            raw = raw[key]
        elif isinstance(raw, list) and token.isdigit():
            wanted = shape.item_key(previous, canon) if canon is not None else None
            at = int(token)
            if wanted is not None and at < len(raw) and shape.item_key(previous, raw[at]) == wanted:
                index: int | None = at  # the item at its own index (of items with one key, that one)
            else:
                index = next((i for i, item in enumerate(raw)
                              if wanted is not None and shape.item_key(previous, item) == wanted), None)
            if index is None:
                if wanted is not None or int(token) >= len(raw):
                    break
                index = int(token)
            out.append(str(index))
            raw = raw[index]
        else:
            break
        previous = token
    return scale_set.source.pointer + "".join("/" + escape(t) for t in out)
