"""Stage 1: read a document, parse its JSON, detect what it is, and find its scale sets.

ARM allows ``//`` and ``/* */`` comments, a UTF-8 BOM and CRLF line ends; all load. Parse
errors become findings located at file:line:column, never tracebacks. Positions of nodes
are computed lazily (only when a finding or a change needs one) by :class:`PositionIndex`,
so the fast path is a single ``json.loads``.
"""

from __future__ import annotations

import bisect
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .model import DocumentError, DocumentKind, Finding, ScaleSetSource, UsageError

VMSS_TYPE = "microsoft.compute/virtualmachinescalesets"
DEPLOYMENT_TYPE = "microsoft.resources/deployments"

#: Largest document read (bytes). Bounds memory: parsing holds the text plus its objects.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024

# A JSON string, or a comment. Comments are blanked to spaces of the same length (newlines
# kept) so every offset the JSON parser reports is an offset in the user's file.
_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*.*?(?:\*/|\Z)', re.DOTALL)


@dataclass
class Document:
    """A parsed JSON document and what it is."""

    path: str
    text: str
    data: Any
    kind: DocumentKind = DocumentKind.UNKNOWN
    _positions: PositionIndex | None = field(default=None, repr=False)

    def position(self, pointer: str) -> tuple[int, int]:
        """(line, column), 1-based, of the node at ``pointer`` or of its nearest ancestor."""
        if self._positions is None:
            self._positions = PositionIndex(self.text)
        return self._positions.locate(pointer)

    def locate(self, finding: Finding) -> Finding:
        if self._positions is None:
            self._positions = PositionIndex(self.text)
        if finding.offset is not None:
            line, column = self._positions.locate(finding.pointer, value=True)
            column += 1 + finding.offset  # past the opening quote; exact unless the string has escapes
        else:
            line, column = self._positions.locate(finding.pointer)
        return finding.located(self.path, line, column)


def read_text(path: str) -> tuple[str, str]:
    """Read ``path`` (``-`` for standard input, ``git:REV:PATH`` for a file at a git
    revision); return (display name, text).

    Unreadable paths are usage errors (exit 2); undecodable bytes are document findings.
    """
    display = "<stdin>" if path == "-" else path
    from . import gitsource

    try:
        if gitsource.is_git_spec(path):
            raw = gitsource.read_bytes(path)
        elif path == "-":
            raw = sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
        else:
            p = Path(path)
            if p.is_dir():
                raise UsageError(f"{path}: is a directory, expected a JSON file")
            with p.open("rb") as fh:
                raw = fh.read(MAX_DOCUMENT_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except PermissionError:
        raise UsageError(f"{path}: permission denied") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise DocumentError([Finding("VAL001", f"document is larger than {MAX_DOCUMENT_BYTES // 2**20} MiB; "
                                     "vmssplan reads scale-set definitions, not data dumps", file=display,
                                     line=1, column=1)])
    return display, decode(raw, display)


def decode(raw: bytes, display: str) -> str:
    """Decode bytes as ARM does: UTF-8 (BOM optional), or UTF-16 with a BOM."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = raw[: exc.start].decode("utf-8", "replace")
        line = good.count("\n") + 1
        column = len(good) - (good.rfind("\n") + 1) + 1
        raise DocumentError([Finding("VAL001", f"not UTF-8 text: invalid byte 0x{raw[exc.start]:02x}",
                                     file=display, line=line, column=column)]) from None


def strip_comments(text: str) -> str:
    """Blank out ``//`` and ``/* */`` comments outside strings, keeping every offset."""

    def blank(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith('"'):
            return token
        return re.sub(r"[^\n]", " ", token)

    return _STRING_OR_COMMENT.sub(blank, text)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(text: str, display: str) -> Any:
    """Parse JSON (with comments allowed); raise DocumentError with a located finding."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        pass
    stripped = strip_comments(text)
    try:
        return json.loads(stripped, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise DocumentError([Finding("VAL001", f"invalid JSON: {exc.msg}", file=display,
                                     line=exc.lineno, column=exc.colno)]) from None
    except ValueError as exc:  # NaN / Infinity
        line, column = _locate_constant(stripped)
        raise DocumentError([Finding("VAL001", f"invalid JSON: {exc}", file=display,
                                     line=line, column=column)]) from None
    except RecursionError:
        raise DocumentError([Finding("VAL001", "invalid JSON: nested too deeply", file=display,
                                     line=1, column=1)]) from None


def _locate_constant(text: str) -> tuple[int, int]:
    for match in re.finditer(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)', text):
        if match.group(1):
            before = text[: match.start(1)]
            return before.count("\n") + 1, match.start(1) - (before.rfind("\n") + 1) + 1
    return 1, 1


def load_document(path: str) -> Document:
    """Read, parse and classify one document."""
    display, text = read_text(path)
    return parse_document(text, display)


def parse_document(text: str, display: str) -> Document:
    data = parse_json(text, display)
    return Document(display, text, data, detect_kind(data))


# --- what is this document? ------------------------------------------------------------

_AZ_TOP_LEVEL_HINTS = {"virtualMachineProfile", "upgradePolicy", "orchestrationMode", "resourceGroup",
                       "singlePlacementGroup", "overprovision"}


def _is_vmss_type(value: Any) -> bool:
    return isinstance(value, str) and value.lower() == VMSS_TYPE


def _looks_like_vm(item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    kind = item.get("type")
    if isinstance(kind, str) and kind.lower() == VMSS_TYPE + "/virtualmachines":
        return True
    return "instanceId" in item or "latestModelApplied" in item or (
        isinstance(item.get("properties"), dict) and "latestModelApplied" in item["properties"])


def _looks_like_scale_set(item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    if _is_vmss_type(item.get("type")):
        return True
    props = item.get("properties")
    if isinstance(props, dict) and ("virtualMachineProfile" in props or "upgradePolicy" in props):
        return True
    return bool(_AZ_TOP_LEVEL_HINTS & item.keys()) and not _looks_like_vm(item)


def detect_kind(data: Any) -> DocumentKind:
    """Classify a parsed document by its shape (see :class:`DocumentKind`)."""
    if isinstance(data, list):
        if data and all(_looks_like_vm(x) for x in data):
            return DocumentKind.INSTANCE_LIST
        if data and all(_looks_like_scale_set(x) for x in data):
            return DocumentKind.MODEL_LIST
        return DocumentKind.UNKNOWN
    if not isinstance(data, dict):
        return DocumentKind.UNKNOWN
    schema = data.get("$schema")
    schema = schema.lower() if isinstance(schema, str) else ""
    if "deploymentparameters" in schema:
        return DocumentKind.ARM_PARAMETERS
    if "deploymenttemplate" in schema or ("resources" in data and isinstance(data.get("resources"), (list, dict))
                                          and ("contentVersion" in data or "parameters" in data
                                               or "$schema" in data or "languageVersion" in data)):
        return DocumentKind.ARM_TEMPLATE
    if "responses" in data and isinstance(data.get("parameters"), dict):
        return DocumentKind.API_EXAMPLE
    if isinstance(data.get("value"), list):
        values = data["value"]
        if values and all(_looks_like_vm(x) for x in values):
            return DocumentKind.INSTANCE_LIST
        if values and all(_looks_like_scale_set(x) for x in values):
            return DocumentKind.MODEL_LIST
    if _looks_like_vm(data):
        return DocumentKind.INSTANCE_LIST
    if _looks_like_scale_set(data):
        return DocumentKind.REST_MODEL if isinstance(data.get("properties"), dict) else DocumentKind.AZ_MODEL
    if set(data) <= {"parameters", "contentVersion", "$schema"} and isinstance(data.get("parameters"), dict):
        return DocumentKind.ARM_PARAMETERS
    if data and all(isinstance(v, dict) and v.keys() & {"value", "reference"} for v in data.values()):
        return DocumentKind.ARM_PARAMETERS  # the bare form `az deployment ... --parameters @file` accepts
    return DocumentKind.UNKNOWN


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _model_source(item: dict[str, Any], file: str, pointer: str, index: int) -> ScaleSetSource:
    name = item.get("name")
    if not isinstance(name, str) or not name:
        name = f"scale set #{index + 1}"
    flattened = not isinstance(item.get("properties"), dict)
    return ScaleSetSource(name=name, resource=item, file=file, pointer=pointer, flattened=flattened)


def template_scale_sets(template: dict[str, Any], file: str, pointer: str = "",
                        depth: int = 0) -> Iterator[ScaleSetSource]:
    """Every VMSS resource of a template, including those of inline nested deployments."""
    resources = template.get("resources")
    if isinstance(resources, dict):  # languageVersion 2.0: symbolic name -> resource
        items = [(f"{pointer}/resources/{_escape(k)}", v) for k, v in resources.items()]
    elif isinstance(resources, list):
        items = [(f"{pointer}/resources/{i}", v) for i, v in enumerate(resources)]
    else:
        return
    for res_pointer, res in items:
        if not isinstance(res, dict):
            continue
        kind = res.get("type")
        if _is_vmss_type(kind):
            name = res.get("name")
            api = res.get("apiVersion")
            yield ScaleSetSource(name=name if isinstance(name, str) else f"{res_pointer}",
                                 resource=res, file=file, pointer=res_pointer,
                                 api_version=api if isinstance(api, str) else None, from_template=True)
        elif isinstance(kind, str) and kind.lower() == DEPLOYMENT_TYPE and depth < 8:
            props = res.get("properties")
            inner = props.get("template") if isinstance(props, dict) else None
            if isinstance(inner, dict):
                yield from template_scale_sets(inner, file, f"{res_pointer}/properties/template", depth + 1)
        # Child resources declared inline (resources[] inside a resource) are extensions or
        # VMs of a scale set, not scale sets: not followed.


def scale_sets_of(doc: Document) -> list[ScaleSetSource]:
    """The scale sets a document holds, or a DocumentError saying why there are none."""
    data, file = doc.data, doc.path
    if doc.kind is DocumentKind.ARM_TEMPLATE:
        found = list(template_scale_sets(data, file))
        if not found:
            raise DocumentError([Finding("VAL003", "template has no Microsoft.Compute/virtualMachineScaleSets "
                                         "resource", file=file, pointer="/resources",
                                         line=doc.position("/resources")[0],
                                         column=doc.position("/resources")[1])])
        return found
    if doc.kind in (DocumentKind.REST_MODEL, DocumentKind.AZ_MODEL):
        return [_model_source(data, file, "", 0)]
    if doc.kind is DocumentKind.MODEL_LIST:
        items, base = (data, "") if isinstance(data, list) else (data["value"], "/value")
        return [_model_source(x, file, f"{base}/{i}", i) for i, x in enumerate(items)]
    if doc.kind is DocumentKind.API_EXAMPLE:
        return _api_example_scale_sets(doc)
    hint = {
        DocumentKind.ARM_PARAMETERS: "this is an ARM parameters file: pass the template and give this file "
                                     "with --parameters",
        DocumentKind.INSTANCE_LIST: "this is a list of VM instances: pass it with --instances",
    }.get(doc.kind, "expected an ARM template, a scale-set model (REST GET/PUT body or `az vmss show` output) "
                    "or a list of scale sets")
    raise DocumentError([Finding("VAL002", f"cannot plan this document: {hint}", file=file, line=1, column=1)])


def _api_example_scale_sets(doc: Document) -> list[ScaleSetSource]:
    """An azure-rest-api-specs example: the 200 response body, else the request body."""
    data = doc.data
    candidates: list[tuple[str, Any]] = []
    responses = data.get("responses")
    if isinstance(responses, dict):
        for code in ("200", "201"):
            resp = responses.get(code)
            if isinstance(resp, dict):
                candidates.append((f"/responses/{code}/body", resp.get("body")))
    params = data.get("parameters")
    if isinstance(params, dict):
        for key, value in params.items():
            candidates.append((f"/parameters/{_escape(key)}", value))
    for pointer, body in candidates:
        if _looks_like_scale_set(body):
            return [_model_source(body, doc.path, pointer, 0)]
        if isinstance(body, dict) and isinstance(body.get("value"), list) and body["value"] and all(
                _looks_like_scale_set(x) for x in body["value"]):
            return [_model_source(x, doc.path, f"{pointer}/value/{i}", i) for i, x in enumerate(body["value"])]
    raise DocumentError([Finding("VAL002", "API example holds no scale-set model", file=doc.path, line=1,
                                 column=1)])


# --- positions -------------------------------------------------------------------------

_TOKEN = re.compile(r'\s+|"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.DOTALL)


class PositionIndex:
    """Maps RFC 6901 pointers to (line, column) in the original text.

    Built on first use with one pass of a regular-expression tokenizer over the
    comment-stripped text (same offsets as the original).
    """

    def __init__(self, text: str):
        self._text = text
        self._offsets: dict[str, int] | None = None
        self._value_offsets: dict[str, int] = {}
        self._line_starts: list[int] = [0] + [m.end() for m in re.finditer("\n", text)]

    def _build(self) -> dict[str, int]:
        text = strip_comments(self._text)
        offsets: dict[str, int] = {}
        # Each frame: [pointer, is_object, next_array_index, current_key, expecting_key]
        stack: list[list[Any]] = []
        for match in _TOKEN.finditer(text):
            tok = match.group(0)
            first = tok[0]
            if first.isspace() or first in ",:":
                continue
            if first in "}]":
                if stack:
                    stack.pop()
                continue
            frame = stack[-1] if stack else None
            if frame is not None and frame[1] and frame[4]:
                if first == '"':
                    try:
                        frame[3] = json.loads(tok)
                    except ValueError:
                        frame[3] = tok[1:-1]
                    offsets.setdefault(f"{frame[0]}/{_escape(frame[3])}", match.start())
                frame[4] = False
                continue
            # A value starts here.
            if frame is None:
                ptr = ""
            elif frame[1]:
                ptr = f"{frame[0]}/{_escape(frame[3] or '')}"
                frame[4] = True
            else:
                ptr = f"{frame[0]}/{frame[2]}"
                frame[2] += 1
            offsets.setdefault(ptr, match.start())
            self._value_offsets[ptr] = match.start()
            if first == "{":
                stack.append([ptr, True, 0, None, True])
            elif first == "[":
                stack.append([ptr, False, 0, None, False])
        return offsets

    def locate(self, pointer: str, value: bool = False) -> tuple[int, int]:
        """Where the node at ``pointer`` starts: its key for an object member (or, with
        ``value``, the value itself); the nearest existing ancestor if it is absent."""
        if self._offsets is None:
            self._offsets = self._build()
        if value and pointer in self._value_offsets:
            offset = self._value_offsets[pointer]
            line = bisect.bisect_right(self._line_starts, offset)
            return line, offset - self._line_starts[line - 1] + 1
        probe = pointer
        while probe and probe not in self._offsets:
            probe = probe.rsplit("/", 1)[0]
        offset = self._offsets.get(probe, 0)
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1
