"""Stage 1: read a document, parse its JSON, detect what it is, and find its scale sets.

ARM allows ``//`` and ``/* */`` comments, a UTF-8 BOM and CRLF line ends; all load. Parse
errors become findings located at file:line:column, never tracebacks. Positions of nodes
are computed lazily (only when a finding or a change needs one) by :class:`PositionIndex`,
so the fast path is a single ``json.loads``.
"""

from __future__ import annotations

import gc
import json
import re
import sys
from array import array
from dataclasses import dataclass, field
from itertools import accumulate, repeat
from pathlib import Path
from typing import Any, Callable, Iterator

from .model import DocumentError, DocumentKind, Finding, ScaleSetSource, UsageError

VMSS_TYPE = "microsoft.compute/virtualmachinescalesets"
DEPLOYMENT_TYPE = "microsoft.resources/deployments"

#: Largest document read (bytes). Bounds memory: parsing holds the text plus its objects.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024

# A JSON string, or a comment. Comments are blanked to spaces of the same length (newlines
# kept) so every offset the JSON parser reports is an offset in the user's file.
# An unterminated string matches to the end of its line (closing quote optional): a string
# pattern that must close is retried at every escaped quote after it, in quadratic time.
_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"?|//[^\n]*|/\*.*?(?:\*/|\Z)', re.DOTALL)
# Tokens for locating problems after a failed parse (slow path only).
_BARE_OR_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?|[^\s{}\[\]:,"]+')
_BRACKET_OR_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')
_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}:]')

#: Most values (counted as commas and opening brackets) in one document. With
#: MAX_DOCUMENT_BYTES this bounds memory: a realistic 64 MiB document holds ~2 million.
MAX_VALUES = 4_000_000
#: Deepest nesting of objects and arrays read. The later stages walk documents
#: recursively; this keeps them well inside Python's recursion limit.
MAX_DEPTH = 256
_INF = float("inf")
_CONTAINERS = frozenset({dict, list})
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class Document:
    """A parsed JSON document and what it is."""

    path: str
    text: str
    data: Any
    kind: DocumentKind = DocumentKind.UNKNOWN
    _positions: PositionIndex | None = field(default=None, repr=False)
    #: The text is known to be plain JSON (see PositionIndex): set by parse_document.
    _plain: bool = field(default=False, repr=False, compare=False)

    def position(self, pointer: str) -> tuple[int, int]:
        """(line, column), 1-based, of the node at ``pointer`` or of its nearest ancestor."""
        if self._positions is None:
            self._positions = PositionIndex(self.text, plain=self._plain)
        return self._positions.locate(pointer)

    def locate(self, finding: Finding) -> Finding:
        if self._positions is None:
            self._positions = PositionIndex(self.text, plain=self._plain)
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


class _Rejected(ValueError):
    """Valid to Python's parser but not to vmssplan: NaN, Infinity, a number out of range,
    a repeated key. Raised from the parser's hooks; located afterwards (slow path only)."""

    def __init__(self, message: str, token: str = ""):
        super().__init__(message)
        self.token = token


def _reject_constant(name: str) -> Any:
    raise _Rejected(f"{name} is not valid JSON", name)


def _parse_float(text: str) -> float:
    value = float(text)
    if value in (_INF, -_INF):  # 1e400: Python would silently make it infinity
        raise _Rejected(f"number {text[:40]} is out of range (it would be infinity)", text)
    return value


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _Rejected("duplicate key")
    return obj


def _loads(text: str) -> Any:
    # The parse makes millions of objects for a big document and no reference cycles: the
    # cyclic collector would walk them again and again (two thirds of the time of a 40 MB
    # parse) for nothing, so it is paused for the parse.
    paused = gc.isenabled()
    gc.disable()
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_parse_float,
                          object_pairs_hook=_unique_object)
    finally:
        if paused:
            gc.enable()


def parse_json(text: str, display: str) -> Any:
    """Parse JSON (with comments allowed); raise DocumentError with a located finding.

    Beyond JSON syntax, these are located findings too: NaN and Infinity, numbers out of
    range (``1e400``), repeated keys in one object (JSON leaves their meaning undefined;
    ARM silently keeps one), and nesting deeper than :data:`MAX_DEPTH`.
    """
    return _parse(text, display)[0]


def _parse(text: str, display: str) -> tuple[Any, bool]:
    """(data, plain) for :func:`parse_json`: plain if the text parsed as it is, without
    comments (so, checked, it is valid JSON with no repeated key and no NaN)."""
    # The cyclic collector stays paused (see _loads) until the new objects are checked too:
    # the checks make lists of them, which would otherwise set off collections that walk
    # them all.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _parse_checked(text, display)
    finally:
        if paused:
            if len(text) > _PROMOTE_OVER and not gc.get_freeze_count():
                # Move every tracked object to the oldest generation (two list splices):
                # resumed, the collector would walk the new ones in generation 0, then 1,
                # then count them as pending for a full collection: ~0.3 s per 40 MB. They
                # have no cycles to find. Only for big documents: it also ages young
                # garbage, left then to the next full collection.
                gc.freeze()
                gc.unfreeze()
            gc.enable()


#: Documents longer than this (characters) have their objects moved to the oldest GC
#: generation when parsed (see parse_json).
_PROMOTE_OVER = 1 << 20


def _parse_checked(text: str, display: str) -> tuple[Any, bool]:
    containers = text.count("{") + text.count("[") if len(text) > MAX_DEPTH else 0
    if len(text) > MAX_VALUES and containers + text.count(",") > MAX_VALUES:
        # Parsed, tiny values ({} or 1) take 30 to 60 times their size in memory: bound them.
        raise DocumentError([Finding("VAL001", f"document has more than {MAX_VALUES:,} values; vmssplan reads "
                                     "scale-set definitions, not data dumps", file=display, line=1, column=1)])
    plain = True
    try:
        data = _loads(text)
    except json.JSONDecodeError as exc:
        # '/' is never valid outside a string, so a comment before the error would have
        # been the error: unless the parser stopped at a '/', this is the user's mistake.
        if not text.startswith("/", exc.pos):
            raise _syntax_error(exc, text, display) from None
        data, plain = _parse_stripped(text, display), False
    except (ValueError, RecursionError):
        data, plain = _parse_stripped(text, display), False
    if containers > MAX_DEPTH and _deeper_than(data, MAX_DEPTH):
        raise _depth_error(text, display)
    if _SURROGATE_ESCAPE.search(text):  # a regex search is 3x as fast as `"\\u" in text`
        _check_surrogates(data, text, display)
    return data, plain


def _check_surrogates(data: Any, text: str, display: str) -> None:
    """A ``\\ud800`` escape with no partner decodes to a lone surrogate: not a character,
    and no output can encode it. Found by a walk, only when the text has such an escape."""
    bad: tuple[str, bool] | None = None  # (pointer, is a key)
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack and bad is None:
        node, pointer = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if _SURROGATE.search(key):
                    bad = (f"{pointer}/{_escape(key)}", True)
                    break
                stack.append((value, f"{pointer}/{_escape(key)}"))
        elif isinstance(node, list):
            stack.extend((v, f"{pointer}/{i}") for i, v in enumerate(node))
        elif isinstance(node, str) and _SURROGATE.search(node):
            bad = (pointer, False)
    if bad is not None:
        line, column = PositionIndex(text).locate(bad[0], value=not bad[1])
        raise DocumentError([Finding("VAL001", "invalid JSON: a \\u escape of a lone UTF-16 surrogate (half of a "
                                     "pair) is not a character", file=display, line=line, column=column)])


def _parse_stripped(text: str, display: str) -> Any:
    """The slow path: parse without comments, or say exactly what is wrong and where."""
    stripped = strip_comments(text)
    try:
        return _loads(stripped)
    except json.JSONDecodeError as exc:
        raise _syntax_error(exc, stripped, display) from None
    except _Rejected as exc:
        token = exc.token
        if token:
            line, column = _locate_bare(stripped, lambda tok: tok == token)
            raise DocumentError([Finding("VAL001", f"invalid JSON: {exc}", file=display,
                                         line=line, column=column)]) from None
        raise DocumentError(_duplicate_keys(stripped, display)) from None
    except RecursionError:
        raise _depth_error(stripped, display) from None
    except ValueError as exc:  # an integer of more than sys.get_int_max_str_digits() digits
        limit = sys.get_int_max_str_digits()
        line, column = _locate_bare(stripped, lambda tok: len(tok.lstrip("-")) > limit and tok.lstrip("-").isdigit())
        message = f"an integer of more than {limit} digits" if "digits" in str(exc) else str(exc)
        raise DocumentError([Finding("VAL001", f"invalid JSON: {message}", file=display,
                                     line=line, column=column)]) from None


def _syntax_error(exc: json.JSONDecodeError, text: str, display: str) -> DocumentError:
    nul = text.find("\0", 0, exc.pos + 1)
    if nul != -1:  # ASCII saved as UTF-16 without a byte order mark reads as UTF-8 with NULs
        line, column = _line_column(text, nul)
        return DocumentError([Finding("VAL001", "invalid JSON: NUL character (UTF-16 without a byte order mark? "
                                      "save the file as UTF-8)", file=display, line=line, column=column)])
    return DocumentError([Finding("VAL001", f"invalid JSON: {exc.msg}", file=display,
                                  line=exc.lineno, column=exc.colno)])


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _locate_bare(text: str, wanted: Any) -> tuple[int, int]:
    """Where the first token outside strings (a number or a literal) satisfying ``wanted`` is."""
    for match in _BARE_OR_STRING.finditer(text):
        token = match.group(0)
        if token[0] != '"' and wanted(token):
            return _line_column(text, match.start())
    return 1, 1


def _duplicate_keys(text: str, display: str) -> list[Finding]:
    """A finding for each key repeated in its object, at the repetition."""
    findings: list[Finding] = []
    stack: list[dict[str, int] | None] = []  # keys seen so far per open object; None for an array
    last_string: re.Match[str] | None = None
    for match in _STRUCTURE.finditer(text):
        token = match.group(0)
        if token == ":" and stack and stack[-1] is not None and last_string is not None:
            try:
                key = json.loads(last_string.group(0))
            except ValueError:
                key = last_string.group(0)[1:-1]
            seen = stack[-1]
            if key in seen:
                line, column = _line_column(text, seen[key])
                where = _line_column(text, last_string.start())
                findings.append(Finding("VAL001", f"duplicate key {json.dumps(key)[:80]} in this object (first at "
                                        f"line {line}, column {column}): JSON leaves the meaning undefined and ARM "
                                        "silently keeps one value; remove one", file=display,
                                        line=where[0], column=where[1]))
            else:
                seen[key] = last_string.start()
        elif token == "{":
            stack.append({})
        elif token == "[":
            stack.append(None)
        elif token in "]}" and stack:
            stack.pop()
        last_string = match if token[0] == '"' else None
    return findings or [Finding("VAL001", "invalid JSON: duplicate key", file=display, line=1, column=1)]


def _deeper_than(data: Any, limit: int) -> bool:
    """True if objects and arrays nest more than ``limit`` levels (one walk, level by level).

    gc.get_referents lists the values of all the dicts and the items of all the lists of
    a level in one C call (what their tp_traverse visits). Scalars have no referents, so
    they can stay in a level: the walk runs in C alone, and takes the container depth, or
    one more when the deepest containers hold scalars. Only a count of exactly
    ``limit + 1`` levels leaves the answer open; then containers are counted alone."""
    if type(data) not in _CONTAINERS:
        return False
    level = [data]
    levels = 0
    while level and levels <= limit + 1:
        levels += 1
        level = gc.get_referents(*level)
    if levels != limit + 1:
        return levels > limit + 1
    level = [data]
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        level = [v for v in gc.get_referents(*level) if type(v) in _CONTAINERS]
    return False


def _depth_error(text: str, display: str) -> DocumentError:
    """Located at the bracket that opens level ``MAX_DEPTH + 1``."""
    depth, offset = 0, 0
    for match in _BRACKET_OR_STRING.finditer(strip_comments(text) if "/" in text else text):
        token = match.group(0)
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                offset = match.start()
                break
        elif token in "]}":
            depth -= 1
    line, column = _line_column(text, offset)
    return DocumentError([Finding("VAL001", f"nested too deeply: more than {MAX_DEPTH} levels of objects and arrays",
                                  file=display, line=line, column=column)])


def read_data_file(path: Path, what: str) -> tuple[str, Any]:
    """(text, data) of a rule or configuration file, with the checks user documents get
    (duplicate keys, NaN, depth); any problem is a usage error naming file:line:column."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read {what} ({exc})") from None
    try:
        return text, parse_json(text, str(path))
    except DocumentError as exc:
        first = exc.findings[0]
        raise UsageError(f"{path}:{first.line}:{first.column}: invalid JSON in {what}: "
                         f"{first.message.removeprefix('invalid JSON: ')}") from None


def load_document(path: str) -> Document:
    """Read, parse and classify one document."""
    display, text = read_text(path)
    return parse_document(text, display)


def parse_document(text: str, display: str) -> Document:
    data, plain = _parse(text, display)
    return Document(display, text, data, detect_kind(data), _plain=plain)


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

_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _skip_space(text: str, pos: int) -> int:
    match = _WHITESPACE.match(text, pos)
    return match.end() if match else pos


_DECODER = json.JSONDecoder()
# The C scanner behind raw_decode, without its Python wrapper: (value, end), or
# StopIteration where no value starts; and the C string decoder raw_decode uses for keys.
_SCAN_ONCE: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]
_SCANSTRING: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]

# Enough JSON grammar to read one member of an object or array in a single regex match,
# skipping scalars and flat containers (holding scalars only) without building them. It
# accepts only what json.JSONDecoder.raw_decode accepts, with the same extent; whatever it
# refuses is left to raw_decode, so results never differ. Strings: valid escapes and no
# control characters. Numbers: an integer part short enough for int() under any
# sys.set_int_max_str_digits limit (640 at least). Quantifiers are possessive: a failing
# match gives up at once instead of backtracking.
_WS = r"[ \t\n\r]*+"
_STR = r'"[^"\\\x00-\x1f]*+(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*+)*+"'
_SCALAR = (rf"(?>{_STR}|-?+(?:0|[1-9][0-9]{{0,599}}+)(?:\.[0-9]++)?+(?:[eE][-+]?+[0-9]++)?+"
           r"|true|false|null|NaN|-?+Infinity)")
_ATOM = (rf"(?>{_SCALAR}|\[{_WS}(?:\]|{_SCALAR}{_WS}(?:,{_WS}{_SCALAR}{_WS})*+\])"
         rf"|\{{{_WS}(?:\}}|{_STR}{_WS}:{_WS}{_SCALAR}{_WS}(?:,{_WS}{_STR}{_WS}:{_WS}{_SCALAR}{_WS})*+\}}))")
# One member: for an object, a key (group 1 if it has no escapes, else group 2 quoted) and
# a colon; then either a scalar or flat value (group 3 in objects, 1 in arrays) and the
# character after it (',' or the closing bracket: group 4, or 2), or nothing more when the
# value is a nested container: its opening bracket follows.
_ITEM = re.compile(rf"{_WS}(?:({_ATOM}){_WS}([,\]])|(?=[\[{{]))")
_MEMBER = re.compile(rf'{_WS}(?:"([^"\\\x00-\x1f]*+)"|({_STR})){_WS}:{_WS}(?:({_ATOM}){_WS}([,}}])|(?=[\[{{]))')
# What follows a nested container: ',' or the closing bracket.
_AFTER = {"[": re.compile(rf"{_WS}([,\]])"), "{": re.compile(rf"{_WS}([,}}])")}
_EMPTY = {"[": re.compile(rf"{_WS}\]"), "{": re.compile(rf"{_WS}\}}")}
#: Characters per entry of the line index.
_LINE_CHUNK = 1024


class _Unreadable(Exception):
    """The member reader met text it does not accept: the caller falls back."""


class PositionIndex:
    """Maps RFC 6901 pointers to (line, column) in the original text.

    Lazy: locating a pointer reads only the objects and arrays on its path, recording
    where their members start. A member is read by one regex match that also skips a
    scalar or flat value; a nested object or array is skipped by the C JSON scanner, or by
    where it ends if it was read to its end already. Memory is the containers visited, not
    a Python pass with a string key for every node.

    With ``plain``, the caller vouches that the text is valid JSON as it is, with no
    comment, no repeated key and no NaN (what :func:`parse_document` checks when it parses
    a document without stripping comments). A container is then read only as far as the
    member looked for, and read on when a later lookup needs more: going down a path does
    not skip (decode) the container it goes into, and skipping a container read already
    (going on past it) costs nothing. A few lookups in a 50 MB document cost about one C
    parse of it; many, about one read of the parts they visit.

    Otherwise a container is read whole the first time, so that every text, even not JSON,
    is located as it always was: text the reader refuses (comments, invalid JSON) is read
    member by member with raw_decode, and comments are stripped (same offsets) only if
    that meets one.
    """

    def __init__(self, text: str, plain: bool = False):
        self._text = text
        self._start(plain)

    def _start(self, plain: bool) -> None:
        """(Re)set what has been read: nothing."""
        self._scan = self._text
        self._plain = plain
        text = self._text
        # A member is stored as one int, key offset << shift | value offset: a third of the
        # memory of a tuple of two ints, and a dict of ints is not tracked by the cyclic GC.
        self._shift = len(text).bit_length() + 1
        self._mask = (1 << self._shift) - 1
        # container offset -> {key: packed offsets} or [item offsets]: members read so far
        self._children: dict[int, dict[str, int] | list[int]] = {}
        # Container read in part -> where to read on: pos * 2 + 1 if a nested value starts
        # at pos (its member is recorded; the value is still to skip), else pos * 2.
        self._pending: dict[int, int] = {}
        # Container read to its end -> its closing bracket, until its parent skips it.
        self._closers: dict[int, int] = {}
        self._keys: dict[str, str] = {}  # one str per distinct key: keys repeat a lot
        self._root: int | None = None  # where the root value starts
        # Newlines before each chunk of _LINE_CHUNK characters, and the last one (or -1).
        self._line_counts = array("q")
        self._last_newlines = array("q")

    def locate(self, pointer: str, value: bool = False) -> tuple[int, int]:
        """Where the node at ``pointer`` starts: its key for an object member (or, with
        ``value``, the value itself); the nearest existing ancestor if it is absent."""
        paused = gc.isenabled()
        gc.disable()  # values are decoded only to be skipped: no cycles to collect
        try:
            try:
                return self._locate(pointer, value)
            except _Unreadable:  # not plain JSON after all: start again, as for any text
                self._start(plain=False)
                return self._locate(pointer, value)
        finally:
            if paused:
                gc.enable()

    def _locate(self, pointer: str, value: bool) -> tuple[int, int]:
        text = self._text
        if self._root is None:
            self._root = _skip_space(text, 0)
            if text.startswith("/", self._root):  # a comment before the root value
                if self._plain:
                    raise _Unreadable
                self._scan = strip_comments(text)
                self._root = _skip_space(self._scan, 0)
        node = key = self._root
        expanded, pending, shift, mask = self._children, self._pending, self._shift, self._mask
        for token in pointer.split("/")[1:] if pointer else ():
            children = expanded.get(node)
            if children is None:
                if node >= len(text) or text[node] not in "{[":
                    break
                children = expanded[node] = self._expand(node)
            if isinstance(children, dict):
                token = token.replace("~1", "/").replace("~0", "~") if "~" in token else token
                entry = children.get(token)
                if entry is None and node in pending:
                    self._read(node, token)
                    entry = children.get(token)
                if entry is None:
                    break
                key, node = entry >> shift, entry & mask
            else:
                if not token.isdigit() or (token != "0" and token.startswith("0")):
                    break
                index = int(token)
                if index >= len(children) and node in pending:
                    self._read(node, index)
                if index >= len(children):
                    break
                key = node = children[index]
        else:
            return self._line_column(node if value else key)
        return self._line_column(key)

    def _expand(self, offset: int) -> dict[str, int] | list[int]:
        """The container at ``offset``: read whole, or (plain) opened to be read on demand."""
        text = self._scan
        opening = text[offset]
        children: dict[str, int] | list[int] = {} if self._text[offset] == "{" else []
        if opening in _EMPTY and _EMPTY[opening].match(text, offset + 1):
            if self._plain:
                self._closers[offset] = _skip_space(text, offset + 1)
            return children
        if self._plain:
            self._pending[offset] = (offset + 1) * 2
            return children
        if self._read_whole(offset, children):
            return children
        # As it always was: member by member with raw_decode, stripping comments if need be.
        children = {} if isinstance(children, dict) else []
        try:
            self._members(offset, children)
        except (ValueError, IndexError, RecursionError):
            if self._scan is not self._text or "/" not in self._text:
                return children  # broken text: what was found before the break
            self._scan = strip_comments(self._text)  # a comment, probably: same offsets without
            children = {} if isinstance(children, dict) else []
            if self._read_whole(offset, children):
                return children
            children = {} if isinstance(children, dict) else []
            try:
                self._members(offset, children)
            except (ValueError, IndexError, RecursionError):
                pass
        return children

    def _read_whole(self, offset: int, children: dict[str, int] | list[int]) -> bool:
        """Read all the members of the container at ``offset`` into ``children``; False
        where the member regexes refuse the text (``children`` is then to be dropped)."""
        if self._scan[offset] not in _EMPTY:
            return False
        self._pending[offset] = (offset + 1) * 2
        try:
            self._read(offset, None, children)
            return True
        except _Unreadable:
            self._pending.pop(offset, None)
            return False

    def _read(self, offset: int, want: str | int | None,
              children: dict[str, int] | list[int] | None = None) -> None:
        """Read on the members of the container at ``offset`` until ``want`` (a key, or an
        index) is among them, or to the end (then recorded in _closers). Raises
        _Unreadable where the text is not JSON the member regexes accept."""
        if children is None:
            children = self._children[offset]
        state = self._pending.pop(offset)
        try:
            if isinstance(children, dict):
                self._read_members(offset, state >> 1, state & 1, children, want)
            else:
                self._read_items(offset, state >> 1, state & 1, children, want)
        except (StopIteration, ValueError, RecursionError):  # the C scanner met invalid JSON
            raise _Unreadable from None

    def _read_members(self, offset: int, pos: int, skipping: int, children: dict[str, int],
                      want: object) -> None:
        text, shift, keys, after = self._scan, self._shift, self._keys, _AFTER["{"]
        while True:
            if skipping:  # past the nested container starting at pos
                match = after.match(text, self._skip(pos) + 1)
                if match is None:
                    raise _Unreadable
                if match[1] != ",":
                    return self._closed(offset, match.end() - 1)
                pos = match.end()
            match = _MEMBER.match(text, pos)
            if match is None:
                raise _Unreadable
            key, quoted, scalar, separator = match.groups()
            if key is None:  # escapes: decoded as raw_decode does
                key, key_pos = _SCANSTRING(quoted, 1)[0], match.start(2)
            else:
                key_pos = match.start(1) - 1
            key = keys.setdefault(key, key)
            pos = match.end()
            skipping = scalar is None
            # A repeated key: where it first appears, and the value that counts.
            first = children.get(key)
            children[key] = ((key_pos if first is None else first >> shift) << shift
                             | (pos if skipping else match.start(3)))
            if not skipping and separator != ",":
                return self._closed(offset, pos - 1)
            if key == want:
                self._pending[offset] = pos << 1 | skipping
                return

    def _read_items(self, offset: int, pos: int, skipping: int, children: list[int],
                    want: object) -> None:
        text, after = self._scan, _AFTER["["]
        stop = want + 1 if isinstance(want, int) else -1  # how many items are wanted
        while True:
            if skipping:  # past the nested container starting at pos
                match = after.match(text, self._skip(pos) + 1)
                if match is None:
                    raise _Unreadable
                if match[1] != ",":
                    return self._closed(offset, match.end() - 1)
                pos = match.end()
            match = _ITEM.match(text, pos)
            if match is None:
                raise _Unreadable
            scalar, separator = match.groups()
            pos = match.end()
            skipping = scalar is None
            children.append(pos if skipping else match.start(1))
            if not skipping and separator != ",":
                return self._closed(offset, pos - 1)
            if len(children) == stop:
                self._pending[offset] = pos << 1 | skipping
                return

    def _closed(self, offset: int, closer: int) -> None:
        if self._plain:  # its parent may have to skip it
            self._closers[offset] = closer

    def _skip(self, start: int) -> int:
        """The closing bracket of the nested container at ``start``."""
        end = self._closers.pop(start, None)
        if end is not None:
            return end
        if start in self._pending:  # read in part (plain text only): read it to its end
            self._read(start, None)
            return self._closers.pop(start)
        return _SCAN_ONCE(self._scan, start)[1] - 1

    def _members(self, offset: int, children: dict[str, int] | list[int]) -> None:
        """Fill ``children`` member by member, each value skipped by raw_decode; raises
        (ValueError, IndexError, RecursionError) where the text is not valid JSON."""
        text, skip, decode, shift = self._scan, _skip_space, _DECODER.raw_decode, self._shift
        pos = skip(text, offset + 1)
        if text[pos] in "}]":
            return
        while True:
            if isinstance(children, dict):
                if text[pos] != '"':
                    raise ValueError("expected a key")
                key, end = decode(text, pos)
                colon = skip(text, end)
                if text[colon] != ":":
                    raise ValueError("expected ':'")
                value = skip(text, colon + 1)
                # A repeated key: where it first appears, and the value that counts.
                first = children.get(key)
                children[key] = (pos if first is None else first >> shift) << shift | value
                pos = value
            else:
                children.append(pos)
            pos = skip(text, decode(text, pos)[1])
            if text[pos] != ",":
                return
            pos = skip(text, pos + 1)

    def _line_column(self, offset: int) -> tuple[int, int]:
        text, counts, lasts = self._text, self._line_counts, self._last_newlines
        if not counts:
            # Per chunk of text, not per line (a few kB of index, not 8 bytes a line), and
            # counted by C calls mapped over the chunks: no Python step per line.
            starts = range(0, len(text) + 1, _LINE_CHUNK)
            ends = range(_LINE_CHUNK, len(text) + 1 + _LINE_CHUNK, _LINE_CHUNK)
            counts.extend(accumulate(map(text.count, repeat("\n"), starts, ends), initial=0))
            lasts.extend(accumulate(map(text.rfind, repeat("\n"), starts, ends), max, initial=-1))
        chunk = offset // _LINE_CHUNK
        start = chunk * _LINE_CHUNK
        newline = text.rfind("\n", start, offset)
        return (counts[chunk] + text.count("\n", start, offset) + 1,
                offset - (lasts[chunk] if newline == -1 else newline))
