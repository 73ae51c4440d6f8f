"""Source locations: where a finding or a change sits in the user's file.

Findings are made with an RFC 6901 pointer into the document they are about; changes
with a pointer into the canonical model. This module turns both into file, line and
column, once, at the end of a run (for the formats that show them): a canonical pointer
is first walked back to the source document (:func:`source_pointer`), then the text of
the document gives the line and column of the nearest node it has (:class:`PositionIndex`).
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any, Protocol

from . import shape
from .model import Change, Finding, ScaleSet
from .pointer import join, split


class Source(Protocol):
    """A document findings and changes can be located in (``inputs.documents.Document``)."""

    path: str
    data: Any

    def position(self, pointer: str) -> tuple[int, int]: ...

    def locate(self, finding: Finding) -> Finding: ...


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset into ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


# One token of JSON text after the whitespace, colons and commas before it (group 1): a
# string, a bracket, a comment or a bare value (a number, true, false, null).
_TOKEN = re.compile(r'[\s:,]*("[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]]|//[^\n]*|/\*.*?(?:\*/|\Z)|[^\s{}\[\]:,"/]+)',
                    re.DOTALL)


class PositionIndex:
    """Maps RFC 6901 pointers to (line, column) in the text of a document that parsed
    (comments allowed). The first lookup reads the text once, recording where every node
    starts: its member name for an object member, and its value."""

    def __init__(self, text: str):
        self._text = text
        self._nodes: dict[tuple[str, ...], tuple[int, int]] | None = None
        self._line_starts: list[int] = []

    def locate(self, pointer: str, value: bool = False) -> tuple[int, int]:
        """Where the node at ``pointer`` starts: its key for an object member (or, with
        ``value``, the value itself); the nearest existing ancestor if it is absent."""
        if self._nodes is None:
            self._nodes = _node_offsets(self._text)
            self._line_starts = [0] + [match.end() for match in re.finditer("\n", self._text)]
        path = split(pointer)
        if path in self._nodes:
            key, start = self._nodes[path]
            offset = start if value else key
        else:
            while path and path not in self._nodes:
                path = path[:-1]
            offset = self._nodes.get(path, (0, 0))[0]
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1


def _node_offsets(text: str) -> dict[tuple[str, ...], tuple[int, int]]:
    """Path (object keys and array indexes, as strings) -> (offset of the member name, or of
    the value outside objects; offset of the value), for every node of ``text``."""
    nodes: dict[tuple[str, ...], tuple[int, int]] = {}
    # Per open container: its path, and the index of its next item (-1 for an object).
    open_containers: list[list[Any]] = []
    key: str | None = None  # the member name read, in an object, whose value comes next
    key_at = 0
    for match in _TOKEN.finditer(text):
        token, start = match[1], match.start(1)
        if token[0] == "/":  # a comment
            continue
        if token in ("]", "}"):
            open_containers.pop()
            continue
        if not open_containers:
            path, at = (), start
        elif open_containers[-1][1] < 0:  # in an object
            if key is None:
                key, key_at = json.decoder.scanstring(token, 1)[0], start  # type: ignore[attr-defined]
                continue
            path, at = (*open_containers[-1][0], key), key_at
            key = None
        else:
            path, at = (*open_containers[-1][0], str(open_containers[-1][1])), start
            open_containers[-1][1] += 1
        nodes[path] = (at, start)
        if token in ("{", "["):
            open_containers.append([path, -1 if token == "{" else 0])
    return nodes




def located(findings: Iterable[Finding], documents: Mapping[str, Source]) -> list[Finding]:
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


def locate_changes(changes: Iterable[Change], scale_set: ScaleSet, documents: Mapping[str, Source],
                   before: ScaleSet | None = None) -> None:
    """Fill in where each change sits in the user's files (for SARIF and annotations): the
    line a pull request changed. That is the template's (or model's) line of the value,
    unless the template computes the value from a parameter given in a parameters file and
    the template's expression is the same on both sides (``before``): then it is that
    parameter's value in the parameters file (:func:`parameter_origin`)."""
    doc = documents.get(scale_set.source.file)
    if doc is None:
        return
    for change in changes:
        pointer = source_pointer(scale_set, change.path)
        origin = parameter_origin(scale_set, pointer, documents, before)
        where, at = (documents[origin[0]], origin[1]) if origin is not None else (doc, pointer)
        change.file = where.path
        change.line, change.column = where.position(at)


#: ``parameters('name')`` in a template expression (the name as a string literal; ``''`` is
#: a quote inside it).
_PARAMETER = re.compile(r"\bparameters\s*\(\s*'((?:[^']|'')*)'\s*\)", re.IGNORECASE)


def parameter_origin(scale_set: ScaleSet, pointer: str, documents: Mapping[str, Source],
                     before: ScaleSet | None = None) -> tuple[str, str] | None:
    """(file, pointer) of the parameter value a change at ``pointer`` (in the template) came
    from, or None when it came from the template itself.

    The template's text at ``pointer`` must be an expression naming parameters; of those
    given a value in a document of this run (``scale_set.source.parameters``), the one
    whose value differs from ``before``'s is the origin (with no ``before``, the only one
    named). When the expression itself differs from ``before``'s, the template changed:
    None. A value passed through a variable is not followed (the template line it is)."""
    if not scale_set.source.from_template:
        return None
    expression = _expression_at(documents, scale_set.source.file, pointer)
    if expression is None:
        return None
    named = {match.replace("''", "'").lower() for match in _PARAMETER.findall(expression)}
    given = [entry for entry in scale_set.source.parameters if entry[0].lower() in named and entry[1] in documents]
    if before is not None and before.source.from_template:
        if _expression_at(documents, before.source.file, pointer) not in (None, expression):
            return None
        old = {entry[0].lower(): entry[3] for entry in before.source.parameters}
        given = [entry for entry in given if old.get(entry[0].lower()) != entry[3]]
    if not given or (before is None and len(given) > 1):
        return None
    return given[0][1], given[0][2]


def _expression_at(documents: Mapping[str, Source], file: str, pointer: str) -> str | None:
    """The template expression that computes the value at ``pointer`` in the document
    ``file`` (the pointer's own node, or the ancestor that computes the object or array it
    is in), if there is one."""
    doc = documents.get(file)
    node: Any = getattr(doc, "data", None)
    for token in split(pointer):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            break
    if isinstance(node, str) and node.startswith("[") and not node.startswith("[[") and node.endswith("]"):
        return node
    return None


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
                (k for k in raw if isinstance(k, str) and (shape.rest_name(k) == token or k.lower() == token.lower())),
                None)
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
    return scale_set.source.pointer + join(out)
