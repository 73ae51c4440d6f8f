"""Stage 1: read a document, parse its JSON, detect what it is, and find its scale sets.

ARM allows ``//`` and ``/* */`` comments, a UTF-8 BOM and CRLF line ends; all load. Parse
errors become findings located at file:line:column, never tracebacks. Where a node is in
the text is worked out only when a finding or a change needs it (:mod:`vmssplan.locate`).
"""

from __future__ import annotations

import errno
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import shape
from ..locate import PositionIndex, line_column
from ..model import DocumentError, DocumentKind, Finding, ScaleSetSource, UsageError
from ..pointer import child

# Bounds on a document, each a located VAL001 finding (never a traceback or a hang). They
# bound the memory and time a document can cost, and sit above what ARM itself accepts:
#: Largest document read (bytes). ARM refuses a template over 4 MB, but `az vmss list`
#: output of many scale sets (5-20 KB each) may be larger: 32 MiB holds thousands. Parsing
#: and locating hold the text plus its objects, a few times its size.
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024
#: Most values (counted as commas and opening brackets) in one document: parsed, tiny values
#: (``{}`` or ``1``) take 30 to 60 times their size in memory. A realistic document of
#: MAX_DOCUMENT_BYTES holds about one million.
MAX_VALUES = 4_000_000
#: Deepest nesting of objects and arrays read. The later stages walk documents
#: recursively; this keeps them well inside Python's recursion limit.
MAX_DEPTH = 256

# A JSON string, or a comment. Comments are blanked to spaces of the same length (newlines
# kept) so every offset the JSON parser reports is an offset in the user's file.
# An unterminated string matches to the end of its line (closing quote optional): a string
# pattern that must close is retried at every escaped quote after it, in quadratic time.
_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"?|//[^\n]*|/\*.*?(?:\*/|\Z)', re.DOTALL)
# Tokens for locating problems after a failed parse (slow path only).
_BARE_OR_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?|[^\s{}\[\]:,"]+')
_BRACKET_OR_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')
_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}:]')
_INF = float("inf")
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


def read_text(path: str, root: Path | None = None) -> tuple[str, str]:
    """Read ``path`` (``-`` for standard input, ``git:REV:PATH`` for a file at a git
    revision); return (display name, text). A file on disk is read through the one gate
    (:func:`.files.read_bytes`): inside ``root`` (default: the repository that holds it),
    regular, at most :data:`MAX_DOCUMENT_BYTES`.

    Unreadable or refused paths are usage errors (exit 2) that name the path and say why,
    never what a refused file holds; a document too large and undecodable bytes are
    document findings.
    """
    display = "<stdin>" if path == "-" else path
    from . import files, git

    too_large = False
    if git.is_git_spec(path):
        raw = git.read_bytes(path)
    elif path == "-":
        if sys.stdin is None:  # started with standard input closed (`<&-`)
            raise UsageError("-: standard input is closed; nothing to read")
        try:
            raw = sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
        except OSError as exc:
            raise UsageError(f"-: cannot read standard input ({exc.strerror or exc})") from None
    else:
        try:
            raw = files.read_bytes(path, MAX_DOCUMENT_BYTES, root)
        except files.Refused as exc:
            if exc.errno != errno.EFBIG:
                raise UsageError(f"{path}: {exc.strerror}") from None
            too_large, raw = True, b""
    if too_large or len(raw) > MAX_DOCUMENT_BYTES:
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
    a repeated key. Raised from the parser's hooks; located afterwards."""

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
    return json.loads(text, parse_constant=_reject_constant, parse_float=_parse_float,
                      object_pairs_hook=_unique_object)


def parse_json(text: str, display: str) -> Any:
    """Parse JSON (with comments allowed); raise DocumentError with a located finding.

    Beyond JSON syntax, these are located findings too: NaN and Infinity, numbers out of
    range (``1e400``), repeated keys in one object (JSON leaves their meaning undefined;
    ARM silently keeps one), and nesting deeper than :data:`MAX_DEPTH`.
    """
    if text.count("{") + text.count("[") + text.count(",") > MAX_VALUES:
        raise DocumentError([Finding("VAL001", f"document has more than {MAX_VALUES:,} values; vmssplan reads "
                                     "scale-set definitions, not data dumps", file=display, line=1, column=1)])
    try:
        data = _loads(text)
    except json.JSONDecodeError as exc:
        # '/' is never valid outside a string, so a comment before the error would have
        # been the error: unless the parser stopped at a '/', this is the user's mistake.
        if not text.startswith("/", exc.pos):
            raise _syntax_error(exc, text, display) from None
        data = _parse_stripped(text, display)
    except (ValueError, RecursionError):
        data = _parse_stripped(text, display)
    if deeper_than(data, MAX_DEPTH):
        raise _depth_error(text, display)
    if _SURROGATE_ESCAPE.search(text):  # a lone surrogate can only be written as an escape
        _check_surrogates(data, text, display)
    return data


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
                    bad = (child(pointer, key), True)
                    break
                stack.append((value, child(pointer, key)))
        elif isinstance(node, list):
            stack.extend((v, f"{pointer}/{i}") for i, v in enumerate(node))
        elif isinstance(node, str) and _SURROGATE.search(node):
            bad = (pointer, False)
    if bad is not None:
        line, column = PositionIndex(text).locate(bad[0], value=not bad[1])
        raise DocumentError([Finding("VAL001", "invalid JSON: a \\u escape of a lone UTF-16 surrogate (half of a "
                                     "pair) is not a character", file=display, line=line, column=column)])


def _parse_stripped(text: str, display: str) -> Any:
    """Parse without comments, or say exactly what is wrong and where."""
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
        line, column = line_column(text, nul)
        return DocumentError([Finding("VAL001", "invalid JSON: NUL character (UTF-16 without a byte order mark? "
                                      "save the file as UTF-8)", file=display, line=line, column=column)])
    return DocumentError([Finding("VAL001", f"invalid JSON: {exc.msg}", file=display,
                                  line=exc.lineno, column=exc.colno)])


def _locate_bare(text: str, wanted: Any) -> tuple[int, int]:
    """Where the first token outside strings (a number or a literal) satisfying ``wanted`` is."""
    for match in _BARE_OR_STRING.finditer(text):
        token = match.group(0)
        if token[0] != '"' and wanted(token):
            return line_column(text, match.start())
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
                line, column = line_column(text, seen[key])
                where = line_column(text, last_string.start())
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


def deeper_than(data: Any, limit: int) -> bool:
    """True if objects and arrays nest more than ``limit`` levels (a walk, level by level)."""
    level = [data] if isinstance(data, (dict, list)) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        values = [v for node in level for v in (node.values() if isinstance(node, dict) else node)]
        level = [v for v in values if isinstance(v, (dict, list))]
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
    line, column = line_column(text, offset)
    return DocumentError([Finding("VAL001", f"nested too deeply: more than {MAX_DEPTH} levels of objects and arrays",
                                  file=display, line=line, column=column)])


def read_data_file(path: Path, what: str, limit: int = MAX_DOCUMENT_BYTES, root: Path | None = None
                   ) -> tuple[str, Any]:
    """(text, data) of a rule or configuration file, read through the one gate
    (:func:`.files.read_bytes`: inside ``root``, default the repository that holds it;
    regular; at most ``limit`` bytes), with the checks user documents get (duplicate keys,
    NaN, depth); any problem is a usage error naming file:line:column, never quoting a
    refused file."""
    text = read_config_text(path, what, limit, root)
    try:
        return text, parse_json(text, str(path))
    except DocumentError as exc:
        first = exc.findings[0]
        raise UsageError(f"{path}:{first.line}:{first.column}: invalid JSON in {what}: "
                         f"{first.message.removeprefix('invalid JSON: ')}") from None


def read_config_text(path: Path, what: str, limit: int, root: Path | None = None) -> str:
    """The text of a configuration or rule file, through the one gate; decoded as
    documents are (UTF-8, or UTF-16 with a byte order mark). Any problem is a usage error
    that names the file (and for undecodable bytes, where), never its content."""
    from . import files

    try:
        raw = files.read_bytes(path, limit, root)
    except files.Refused as exc:
        raise UsageError(f"{path}: cannot read {what}: {exc.strerror}") from None
    try:
        return decode(raw, str(path))
    except DocumentError as exc:
        first = exc.findings[0]
        raise UsageError(f"{path}:{first.line}:{first.column}: {what} is {first.message}") from None


def load_document(path: str, root: Path | None = None) -> Document:
    """Read, parse and classify one document (``root``: see :func:`read_text`)."""
    display, text = read_text(path, root)
    return parse_document(text, display)


def parse_document(text: str, display: str) -> Document:
    data = parse_json(text, display)
    return Document(display, text, data, detect_kind(data))


# --- what is this document? ------------------------------------------------------------

_AZ_TOP_LEVEL_HINTS = {"virtualMachineProfile", "upgradePolicy", "orchestrationMode", "resourceGroup",
                       "singlePlacementGroup", "overprovision"}


def _is_vmss_type(value: Any) -> bool:
    return isinstance(value, str) and value.lower() == shape.VMSS_TYPE


def _looks_like_vm(item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    kind = item.get("type")
    if isinstance(kind, str) and kind.lower() == shape.VMSS_TYPE + "/virtualmachines":
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
    from .whatif import is_whatif_result

    if is_whatif_result(data):
        return DocumentKind.WHATIF_RESULT
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


def _model_source(item: dict[str, Any], file: str, pointer: str, index: int) -> ScaleSetSource:
    name = item.get("name")
    named = isinstance(name, str) and bool(name)
    flattened = not isinstance(item.get("properties"), dict)
    return ScaleSetSource(name=name if isinstance(name, str) and name else f"scale set #{index + 1}", resource=item,
                          file=file, pointer=pointer, flattened=flattened, named=named)


def template_scale_sets(template: dict[str, Any], file: str, pointer: str = "",
                        depth: int = 0) -> Iterator[ScaleSetSource]:
    """Every VMSS resource of a template, including those of inline nested deployments."""
    resources = template.get("resources")
    if isinstance(resources, dict):  # languageVersion 2.0: symbolic name -> resource
        items = [(child(f"{pointer}/resources", k), v) for k, v in resources.items()]
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
        elif isinstance(kind, str) and kind.lower() == shape.DEPLOYMENT_TYPE and depth < 8:
            props = res.get("properties")
            inner = props.get("template") if isinstance(props, dict) else None
            if isinstance(inner, dict):
                yield from template_scale_sets(inner, file, f"{res_pointer}/properties/template", depth + 1)
        # Child resources declared inline (resources[] inside a resource) are extensions or
        # VMs of a scale set, not scale sets: not followed.


def reaches_scale_sets_indirectly(template: dict[str, Any], depth: int = 0) -> bool:
    """Whether a template (or an inline nested template of it) may touch scale sets that only
    evaluating it finds: a deployment whose template is linked (``templateLink``; the resolve
    stage reads a local one), or a child resource of a scale set it does not define
    (``Microsoft.Compute/virtualMachineScaleSets/extensions``: it changes an existing one)."""
    resources = template.get("resources")
    items = resources.values() if isinstance(resources, dict) else resources if isinstance(resources, list) else []
    for res in items:
        kind = res.get("type") if isinstance(res, dict) else None
        if not isinstance(kind, str):
            continue
        if kind.lower().startswith(shape.VMSS_CHILD_PREFIX):
            return True
        if kind.lower() != shape.DEPLOYMENT_TYPE:
            continue
        props = res.get("properties")
        if not isinstance(props, dict):
            continue
        if isinstance(props.get("templateLink"), dict):
            return True
        inner = props.get("template")
        if isinstance(inner, dict) and depth < 8 and reaches_scale_sets_indirectly(inner, depth + 1):
            return True
    return False


def no_scale_set(doc: Document) -> DocumentError:
    """VAL003: a template to plan that deploys no scale set."""
    line, column = doc.position("/resources")
    return DocumentError([Finding("VAL003", "template has no Microsoft.Compute/virtualMachineScaleSets resource",
                                  file=doc.path, pointer="/resources", line=line, column=column)])


def scale_sets_of(doc: Document) -> list[ScaleSetSource]:
    """The scale sets a document holds, or a DocumentError saying why there are none."""
    data, file = doc.data, doc.path
    if doc.kind is DocumentKind.ARM_TEMPLATE:
        found = list(template_scale_sets(data, file))
        if not found:
            raise no_scale_set(doc)
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
        DocumentKind.WHATIF_RESULT: "this is an ARM what-if result, which holds both sides: plan it on its own",
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
            candidates.append((child("/parameters", key), value))
    for pointer, body in candidates:
        if _looks_like_scale_set(body):
            return [_model_source(body, doc.path, pointer, 0)]
        if isinstance(body, dict) and isinstance(body.get("value"), list) and body["value"] and all(
                _looks_like_scale_set(x) for x in body["value"]):
            return [_model_source(x, doc.path, f"{pointer}/value/{i}", i) for i, x in enumerate(body["value"])]
    raise DocumentError([Finding("VAL002", "API example holds no scale-set model", file=doc.path, line=1,
                                 column=1)])


# --- positions -------------------------------------------------------------------------
