"""Stage 3: check documents against JSON Schemas generated from the official ARM schemas.

* :func:`validate_scale_set` — one VMSS resource (template shape) or REST model (model shape)
  against the schema of its apiVersion: rule ``VAL020`` (error) per violation, plus ``VAL021``
  (info) when no schema of exactly that apiVersion exists.
* :func:`validate_template_envelope` — the top level of an ARM template (``VAL010``).
* :func:`validate_parameters_file` — an ARM parameters file (``VAL011``).
* ``VAL022`` (warning), in any of them: a string where the schema wants a boolean or a number
  and the string spells one (``"overprovision": "true"``, ``"capacity": "5"``). ARM passes such
  values on and the resource provider converts them (quickstart templates deployed this way
  for years), so it is not an error, but the document disagrees with the schema.

The schemas live in ``schemas/`` (shipped as the package ``vmssplan.schemas``) and are written
by ``scripts/generate_schemas.py``; see its docstring for what differs from upstream.

Choosing a schema (:func:`nearest_schema_version`): the *oldest schema version at or after* the
requested apiVersion (``-preview`` and other suffixes are ignored for the choice, and make the
match inexact); a version newer than every schema, ``None`` or an expression get the newest. Why
"at or after" rather than "at or before": ARM schemas grow — new properties and new enum values
(``StandardSSD_LRS``, ``Flexible``…) appear, old ones are rarely removed, and no VMSS
definition forbids unknown properties — so validating against the next newer schema accepts
everything the requested API accepted, whereas the previous older schema rejects every enum
value added since (false errors).

Semantics that differ from plain Draft 4, because ARM differs:

* ``enum`` matches strings case-insensitively (ARM and the Compute RP do).
* A value that fails ``oneOf``/``anyOf`` [real schema, ARM expression] is reported with the
  errors of the real schema, not "not valid under any of the given schemas".
* Template shape: a property loop (``"copy": [{"name": "dataDisks", "count": ..., "input":
  {...}}]`` inside ``properties``) stands for the property it names; the ``input`` is
  validated as an item of that array and findings point into the ``input``.

Messages never echo a value stored under a key that looks secret (``adminPassword``,
``customData``, ``protectedSettings``, anything named like a password, secret, token, key…),
nor any string longer than :data:`MAX_ECHO` characters, nor objects or arrays.

Two validators, one answer. ``jsonschema_rs`` (compiled; ~3 us per scale set, 9 ms to import,
1-2 ms to build a VMSS validator) answers "is this document valid?"; only a document it
rejects goes to ``jsonschema`` (pure Python; ~1.5 ms per scale set, 70 ms to import), whose
errors the messages above are written from. The fast check is never more lenient than the
full one for these schemas (it compares ``enum`` case-sensitively and checks ``format``, the
full one does neither), so it can only send a document to the full check needlessly, never
wave through one the full check would fault; ``tests/test_validate.py`` checks that both paths
give the same findings on the corpus and on generated documents. Without ``jsonschema_rs``
(a platform with no wheel) every document takes the full check. Validators are built once per
(schema, shape) per process: building is cheaper than reading anything cached on disk.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

from .data import schema_text
from .inputs.documents import Document, scale_sets_of, template_scale_sets
from .model import DocumentKind, Finding, ScaleSetSource, SensitiveValue, Severity, is_unknown
from .pointer import child, join

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

__all__ = [
    "RULE_CONVERTED_STRING",
    "RULE_NEAREST_SCHEMA",
    "RULE_PARAMETERS_FILE",
    "RULE_SCHEMA",
    "RULE_TEMPLATE_ENVELOPE",
    "available_schema_versions",
    "deployable",
    "nearest_schema_version",
    "validate_evaluated_scale_set",
    "validate_parameters_file",
    "validate_scale_set",
    "validate_template_envelope",
]

RULE_TEMPLATE_ENVELOPE = "VAL010"
RULE_PARAMETERS_FILE = "VAL011"
RULE_SCHEMA = "VAL020"
RULE_NEAREST_SCHEMA = "VAL021"
RULE_CONVERTED_STRING = "VAL022"

Shape = Literal["template", "model"]
#: Where a path of the validated (rewritten) instance came from in the user's document.
Origins = dict[tuple[Any, ...], tuple[Any, ...]]

#: Longest instance value (in characters) a message may quote.
MAX_ECHO = 60
#: Most enum values listed in a message.
MAX_ENUM_LISTED = 12
#: Most property names suggested for an unknown property.
MAX_SUGGESTED = 15

#: A key whose value is never quoted, nor anything below it.
SECRET_KEY = re.compile(
    r"password|passwd|passphrase|secret|protectedsettings|customdata|userdata|privatekey"
    r"|token|credential|connectionstring|accountkey|accesskey|apikey|sharedkey",
    re.IGNORECASE,
)

_API_VERSION = re.compile(r"\s*(\d{4}-\d{2}-\d{2})(-[A-Za-z][A-Za-z0-9]*)?\s*")
_EXPRESSION_REF = {"$ref": "#/definitions/expression"}
#: Top-level keys a template-shape requirement asks for that a REST body does not carry
#: (the name and type are in the URL, the apiVersion in the query string).
_MODEL_RELAXED = frozenset({"name", "apiVersion", "type"})
_JSON_TYPES = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


# --- schema files -------------------------------------------------------------------------


@functools.cache
def _load_schema(*parts: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(schema_text(*parts))
    return schema


@functools.cache
def available_schema_versions() -> tuple[str, ...]:
    """The apiVersions that have a generated VMSS schema, oldest first."""
    return tuple(sorted(_load_schema("vmss", "index.json")["versions"]))


def nearest_schema_version(api_version: str | None) -> tuple[str, bool]:
    """Map an apiVersion to (schema version to use, whether it is an exact match).

    Rule: the oldest schema version >= the requested date (a ``-preview`` suffix is ignored
    for the choice but makes the match inexact); newer than all schemas, ``None``, an
    expression or anything that is not ``YYYY-MM-DD[-suffix]``: the newest schema.
    """
    versions = available_schema_versions()
    match = _API_VERSION.fullmatch(api_version) if isinstance(api_version, str) else None
    if match is None:
        return versions[-1], False
    date, suffix = match.groups()
    for version in versions:
        if version >= date:
            return version, version == date and suffix is None
    return versions[-1], False


# --- validators ---------------------------------------------------------------------------


@functools.cache
def _validator_class() -> type[Validator]:
    """Draft 4 with case-insensitive string ``enum`` (ARM compares enum values that way)."""
    from jsonschema import Draft4Validator, validators

    draft4_enum = Draft4Validator.VALIDATORS["enum"]

    def enum(validator: Any, enums: Any, instance: Any, schema: Any) -> Iterator[Any]:
        if isinstance(instance, str):
            folded = instance.casefold()
            if any(isinstance(e, str) and e.casefold() == folded for e in enums):
                return
        yield from draft4_enum(validator, enums, instance, schema)

    # types-jsonschema leaves extend() unannotated; it returns a validator class.
    extended: type[Validator] = validators.extend(Draft4Validator, {"enum": enum})  # type: ignore[no-untyped-call]
    return extended


def _model_shape(schema: dict[str, Any]) -> dict[str, Any]:
    """The REST-body variant: no template resource keys, name/apiVersion/type optional."""
    definitions = dict(schema["definitions"])
    root_ref = schema["allOf"][-1]["$ref"]
    root_name = root_ref.rsplit("/", 1)[-1]
    root = dict(definitions[root_name])
    root["required"] = [r for r in root.get("required", []) if r not in _MODEL_RELAXED]
    definitions[root_name] = root
    return {**schema, "allOf": [{"$ref": root_ref}], "definitions": definitions}


@functools.cache
def _vmss_validator(version: str, shape: Shape) -> Validator:
    schema = _load_schema("vmss", f"{version}.json")
    if shape == "model":
        schema = _model_shape(schema)
    return _validator_class()(schema)


@functools.cache
def _document_validator(name: str) -> Validator:
    return _validator_class()(_load_schema(name))


#: The compiled quick check of one schema: ``is_valid(instance) -> bool``.
QuickCheck = Callable[[Any], bool]


@functools.cache
def _quick_check(schema_name: str, shape: Shape | None = None) -> QuickCheck | None:
    """``jsonschema_rs``'s validity check for a schema file, or None without the library."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    schema = _load_schema(*schema_name.split("/"))
    if shape == "model":
        schema = _model_shape(schema)
    is_valid: QuickCheck = jsonschema_rs.Draft4Validator(schema).is_valid
    return is_valid


def _surely_valid(instance: Any, schema_name: str, shape: Shape | None = None) -> bool:
    """True when the quick check accepts ``instance``; False means "ask the full check"."""
    check = _quick_check(schema_name, shape)
    if check is None:
        return False
    try:
        return check(instance)
    except Exception:  # noqa: BLE001 - a value the compiled side cannot take (a lone
        return False   # surrogate, an int beyond 64 bits): the full check decides


# --- findings -----------------------------------------------------------------------------


def validate_scale_set(
    resource: dict[str, Any],
    api_version: str | None,
    *,
    pointer_prefix: str = "",
    shape: Shape = "template",
) -> list[Finding]:
    """Validate one scale set against the schema of (the nearest version to) ``api_version``.

    ``shape="template"``: a resource object of a template's ``resources`` (apiVersion, type,
    name, dependsOn, copy...). ``shape="model"``: a REST GET response / PUT body (id, etag,
    read-only fields; name, type and apiVersion optional). An ``"existing": true`` resource
    (languageVersion 2.0) is only a reference and is not checked. Pointers are
    ``pointer_prefix`` + the RFC 6901 pointer inside ``resource``.
    """
    if shape not in ("template", "model"):
        raise ValueError(f"shape must be 'template' or 'model', not {shape!r}")
    if shape == "template" and isinstance(resource, dict) and resource.get("existing") is True:
        return []
    version, exact = nearest_schema_version(api_version)
    findings: list[Finding] = []
    if not exact:
        at = pointer_prefix + "/apiVersion" if _has_key(resource, "apiVersion") else pointer_prefix
        findings.append(
            Finding(RULE_NEAREST_SCHEMA, _nearest_message(api_version, version), Severity.INFO,
                    pointer=at)
        )
    if not isinstance(resource, dict):
        findings.append(
            Finding(RULE_SCHEMA, f"a scale set must be a JSON object, not {_type_name(resource)}",
                    pointer=pointer_prefix)
        )
        return findings
    instance, origins = resource, Origins()
    if shape == "template" and _has_property_copy(resource.get("properties")):
        instance, origins = _expand_property_copies(resource)
    if _surely_valid(instance, f"vmss/{version}.json", shape):
        return findings
    errors = _vmss_validator(version, shape).iter_errors(instance)
    findings.extend(_to_findings(errors, RULE_SCHEMA, pointer_prefix, origins))
    return findings


#: What stands for a value known only after deployment, or a secret, when an evaluated
#: scale set is checked: an expression, which the template-shape schema accepts wherever a
#: value may stand, as ARM accepts one there.
UNKNOWN_PLACEHOLDER = "[known after deployment]"
SENSITIVE_PLACEHOLDER = "[sensitive value]"


def deployable(value: Any, here: str = "", unknown: set[str] | None = None) -> Any:
    """An evaluated template value as JSON the schema can check, as the resource provider
    receives it: a member whose value is null or an empty string is left out (ARM and the
    Compute RP take it as absent, the idiom of ``if(cond, value, null())``); a value known
    only after deployment or derived from a secret stands as an expression, and its pointer
    (below ``here``) is added to ``unknown``, so that no finding is made of it."""
    if is_unknown(value) or isinstance(value, SensitiveValue):
        if unknown is not None:
            unknown.add(here)
        return SENSITIVE_PLACEHOLDER if isinstance(value, SensitiveValue) else UNKNOWN_PLACEHOLDER
    if isinstance(value, dict):
        return {key: deployable(member, child(here, key), unknown) for key, member in value.items()
                if member is not None and member != ""}
    if isinstance(value, list):
        return [deployable(item, f"{here}/{index}", unknown) for index, item in enumerate(value)]
    return value


def validate_evaluated_scale_set(resource: dict[str, Any], api_version: str | None, *,
                                 pointer_prefix: str = "") -> list[Finding]:
    """:func:`validate_scale_set` of a template's scale set as evaluated (see :func:`deployable`);
    a finding about a value known only after deployment, or below one, is not made."""
    unknown: set[str] = set()
    instance = deployable(resource, "", unknown)
    if isinstance(instance, dict) and "properties" not in instance:
        # A resource without properties (only a sku, the "scale an existing scale set"
        # idiom) updates an existing scale set: the Compute RP keeps what it leaves out.
        instance = {**instance, "properties": {}}
    findings = validate_scale_set(instance, api_version, pointer_prefix=pointer_prefix, shape="template")
    prefixes = tuple(pointer_prefix + pointer for pointer in unknown)
    return [f for f in findings
            if not any(f.pointer == p or f.pointer.startswith(p + "/") for p in prefixes)]


def document_findings(doc: Document, notes: bool = True) -> list[Finding]:
    """Findings of a document itself: the parameters-file or template envelope, or for a
    model each scale set against its schema. A template's scale sets are checked once
    evaluated (:func:`evaluated_findings`): what is deployed is what is checked.
    ``notes=False`` leaves out findings of severity info."""
    findings: list[Finding] = []
    if doc.kind is DocumentKind.ARM_PARAMETERS:
        findings += validate_parameters_file(doc.data)
    elif doc.kind is DocumentKind.ARM_TEMPLATE:
        findings += validate_template_envelope(doc.data)
        if not list(template_scale_sets(doc.data, doc.path)):  # fine for `validate`: pre-commit passes them all
            findings.append(Finding("VAL003", "no Microsoft.Compute/virtualMachineScaleSets resource; only the "
                                    "template envelope was checked", Severity.INFO, pointer="/resources"))
    else:
        for source in scale_sets_of(doc):
            if not source.flattened:  # `az vmss show` output: no schema describes the SDK's flattened shape
                findings += validate_scale_set(source.resource, source.api_version, pointer_prefix=source.pointer,
                                               shape="model")
    return [replace(f, file=f.file or doc.path) for f in findings if notes or f.severity is not Severity.INFO]


def side_findings(doc: Document, sources: Iterable[ScaleSetSource], notes: bool = True) -> list[Finding]:
    """The findings of a document and, for a template, of its evaluated scale sets."""
    sources = list(sources)
    findings = document_findings(doc, notes)
    if doc.kind is DocumentKind.ARM_TEMPLATE:
        if sources:  # found in a linked template: the template's scale sets were checked after all
            findings = [f for f in findings if f.rule != "VAL003"]
        findings += evaluated_findings(sources, notes)
    return findings


def evaluated_findings(sources: Iterable[ScaleSetSource], notes: bool = True) -> list[Finding]:
    """Schema findings of a template's evaluated scale sets, each at the template value
    that sets it (:func:`validate_evaluated_scale_set`)."""
    return [replace(f, file=source.file) for source in sources
            for f in validate_evaluated_scale_set(source.resource, source.api_version, pointer_prefix=source.pointer)
            if notes or f.severity is not Severity.INFO]


def validate_template_envelope(template: dict[str, Any]) -> list[Finding]:
    """Check an ARM template's top level (not its resources' content): rule ``VAL010``."""
    return _validate_document("deploymentTemplate.json", template, RULE_TEMPLATE_ENVELOPE,
                              "an ARM template")


def validate_parameters_file(doc: dict[str, Any]) -> list[Finding]:
    """Check an ARM deployment parameters file: rule ``VAL011``.

    Besides the full form (``$schema``, ``contentVersion``, ``parameters``) the bare form
    ``{"name": {"value": ...}, ...}`` is accepted, as ``az deployment ... --parameters @file``
    and the deployments REST API accept it; its entries are checked the same way.
    """
    if _is_bare_parameters(doc):
        wrapped = {"$schema": "", "contentVersion": "1.0.0.0", "parameters": doc}
        return _validate_document("deploymentParameters.json", wrapped, RULE_PARAMETERS_FILE,
                                  "a parameters file", {("parameters",): ()})
    return _validate_document("deploymentParameters.json", doc, RULE_PARAMETERS_FILE,
                              "a parameters file")


def _is_bare_parameters(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and bool(doc)
        and not {"$schema", "contentVersion", "parameters"} & doc.keys()
        and all(isinstance(v, dict) for v in doc.values())
    )


def _validate_document(
    schema: str, doc: Any, rule: str, what: str, origins: Origins | None = None
) -> list[Finding]:
    if not isinstance(doc, dict):
        return [Finding(rule, f"{what} must be a JSON object, not {_type_name(doc)}")]
    if _surely_valid(doc, schema):
        return []
    return _to_findings(_document_validator(schema).iter_errors(doc), rule, "", origins)


def _has_key(obj: Any, key: str) -> bool:
    return isinstance(obj, dict) and key in obj


def _nearest_message(api_version: str | None, version: str) -> str:
    if api_version is None:
        return f"no apiVersion given; validated against the newest schema, {version}"
    if not isinstance(api_version, str) or not _API_VERSION.fullmatch(api_version):
        shown = _show(api_version, secret=False)
        return (f"apiVersion {shown} is not a plain version; validated against the newest "
                f"schema, {version}")
    return f"apiVersion {api_version.strip()} validated against the nearest schema, {version}"


def _has_property_copy(node: Any) -> bool:
    if isinstance(node, dict):
        if _property_copies(node):
            return True
        return any(_has_property_copy(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_property_copy(v) for v in node)
    return False


def _property_copies(node: dict[str, Any]) -> list[dict[str, Any]]:
    copies = node.get("copy")
    if isinstance(copies, list) and copies and all(
        isinstance(c, dict) and isinstance(c.get("name"), str) for c in copies
    ):
        return copies
    return []


def _expand_property_copies(resource: dict[str, Any]) -> tuple[dict[str, Any], Origins]:
    """Replace property loops under ``properties`` by a one-item array of their ``input``."""
    origins: Origins = {}

    def walk(node: Any, src: tuple[Any, ...], dst: tuple[Any, ...]) -> Any:
        if isinstance(node, list):
            return [walk(v, src + (i,), dst + (i,)) for i, v in enumerate(node)]
        if not isinstance(node, dict):
            return node
        copies = _property_copies(node)
        out = {k: walk(v, src + (k,), dst + (k,)) for k, v in node.items()
               if not (copies and k == "copy")}
        for i, loop in enumerate(copies):
            name = loop["name"]
            if name in out or "input" not in loop:
                continue
            item_src, item_dst = src + ("copy", i, "input"), dst + (name, 0)
            origins[item_dst] = item_src
            out[name] = [walk(loop["input"], item_src, item_dst)]
        return out

    expanded = dict(resource)
    expanded["properties"] = walk(resource["properties"], ("properties",), ("properties",))
    return expanded, origins


def _source_path(path: list[Any], origins: Origins) -> list[Any]:
    for n in range(len(path), 0, -1):
        origin = origins.get(tuple(path[:n]))
        if origin is not None:
            return [*origin, *path[n:]]
    return path


def _to_findings(
    errors: Iterable[ValidationError], rule: str, prefix: str, origins: Origins | None = None
) -> list[Finding]:
    seen: set[tuple[str, str]] = set()
    out: list[Finding] = []
    for error in errors:
        for leaf in _leaf_errors(error):
            for path, message, converted in _describe(leaf):
                if origins:
                    path = _source_path(path, origins)
                pointer = prefix + join(path)
                where = _display_path(path)
                text = f"{where}: {message}" if where else message
                if (pointer, text) in seen:
                    continue
                seen.add((pointer, text))
                if converted:
                    out.append(Finding(RULE_CONVERTED_STRING, text, Severity.WARNING,
                                       pointer=pointer))
                else:
                    out.append(Finding(rule, text, Severity.ERROR, pointer=pointer))
    out.sort(key=lambda f: (f.pointer, f.rule, f.message))
    return out


def _leaf_errors(error: ValidationError) -> Iterator[ValidationError]:
    """Replace a failed oneOf/anyOf by the errors of its most plausible real branch.

    Branches that are only "an ARM expression" are ignored: a value that is not an
    expression is meant to match the real schema, so its errors are the useful ones.
    """
    branches = error.validator_value
    if error.validator not in ("oneOf", "anyOf") or not error.context or not isinstance(branches, list):
        yield error
        return
    real = [i for i, b in enumerate(branches) if b != _EXPRESSION_REF]
    by_branch = {i: [e for e in error.context if e.relative_schema_path[0] == i] for i in real}
    by_branch = {i: errs for i, errs in by_branch.items() if errs}
    if not by_branch:
        yield error
        return
    chosen = min(by_branch, key=lambda i: _branch_rank(by_branch[i], i))
    for sub in by_branch[chosen]:
        yield from _leaf_errors(sub)


def _branch_rank(errors: list[ValidationError], index: int) -> tuple[int, int, int, int]:
    """Lower is more plausible: the value has the branch's type, few errors, deep errors."""
    wrong_type = any(e.validator == "type" and not e.relative_path for e in errors)
    depth = max(len(e.relative_path) for e in errors)
    return (int(wrong_type), len(errors), -depth, index)


def _describe(error: ValidationError) -> list[tuple[list[Any], str, bool]]:
    """(path in the validated instance, message, is-a-converted-string) for one leaf error."""
    path = list(error.absolute_path)
    secret = any(isinstance(p, str) and SECRET_KEY.search(p) for p in path)
    # A validator's own errors always carry these (only hand-made ones are ``Unset``).
    instance: Any = error.instance
    shown = _show(instance, secret)
    kind = error.validator
    value: Any = error.validator_value
    schema = error.schema if isinstance(error.schema, dict) else {}

    if kind == "required":
        missing = [p for p in value if isinstance(instance, dict) and p not in instance]
        return [(path, f"missing required property {p!r}", False) for p in missing]
    if kind == "additionalProperties" and value is False and isinstance(instance, dict):
        known = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        extras = [
            k for k in instance if k not in known and not any(re.search(p, k) for p in patterns)
        ]
        hint = ""
        if known and len(known) <= MAX_SUGGESTED:
            hint = f" (expected one of: {', '.join(sorted(known))})"
        return [([*path, k], f"unknown property {k!r}{hint}", False) for k in extras]
    if kind == "type":
        expected = value if isinstance(value, list) else [value]
        names = ", ".join(repr(t) for t in expected)
        target = _converted_type(instance, expected)
        if target:
            literal = "the value" if secret else _converted_literal(instance, target)
            return [(path, f"{shown} is a string, the schema expects {names} "
                           f"(ARM converts it; write {literal} without quotes)", True)]
        if expected == ["string"] and isinstance(instance, (int, float)) and not isinstance(instance, bool):
            literal = "the value" if secret else json.dumps(str(instance))
            return [(path, f"{shown} is a number, the schema expects 'string' (ARM converts it; write "
                           f"{literal} in quotes)", True)]
        text = f"{shown} is not of type {names}"
        if isinstance(instance, str) and instance.startswith("[") and not secret:
            text += " (it starts with '[' but is not a complete ARM expression \"[...]\")"
        return [(path, text, False)]
    if kind == "enum":
        text = f"{shown} is not one of {_enum_list(value)}"
    elif kind == "pattern":
        if schema.get("pattern") == _expression_pattern():
            text = f"{shown} is not an ARM template expression (\"[...]\")"
        else:
            text = f"{shown} does not match the pattern {value}"
    elif kind == "minLength":
        text = f"{shown} is shorter than {value} characters"
    elif kind == "maxLength":
        text = f"{shown} is longer than {value} characters"
    elif kind == "minimum":
        op = "greater than" if schema.get("exclusiveMinimum") else "at least"
        text = f"{shown} must be {op} {value}"
    elif kind == "maximum":
        op = "less than" if schema.get("exclusiveMaximum") else "at most"
        text = f"{shown} must be {op} {value}"
    elif kind == "minItems":
        text = f"needs at least {value} item{'s' if value != 1 else ''}"
    elif kind == "maxItems":
        text = f"allows at most {value} item{'s' if value != 1 else ''}"
    elif kind == "uniqueItems":
        text = "has duplicate items"
    elif kind == "minProperties":
        text = f"needs at least {value} propert{'ies' if value != 1 else 'y'}"
    elif kind == "maxProperties":
        text = f"allows at most {value} propert{'ies' if value != 1 else 'y'}"
    elif kind == "multipleOf":
        text = f"{shown} is not a multiple of {value}"
    elif kind == "oneOf" and not error.context:
        text = f"{shown} matches more than one of the allowed forms"
    elif kind in ("oneOf", "anyOf"):
        text = f"{shown} does not match any of the allowed forms"
    elif kind == "not":
        text = f"{shown} is not allowed here"
    elif kind == "dependencies":
        text = error.message  # names properties only, never values
    else:
        text = f"{shown} fails the {kind!r} constraint"
    return [(path, text, False)]


_INTEGER = re.compile(r"\s*[+-]?\d+\s*")


def _converted_type(instance: Any, expected: list[str]) -> str | None:
    """The expected type a string spells (``"true"`` -> boolean, ``"5"`` -> integer), if any."""
    if not isinstance(instance, str):
        return None
    text = instance.strip()
    if "boolean" in expected and text.lower() in ("true", "false"):
        return "boolean"
    if "integer" in expected and _INTEGER.fullmatch(text):
        return "integer"
    if "number" in expected:
        try:
            float(text)
        except ValueError:
            return None
        return "number" if text.lower() not in ("nan", "inf", "-inf", "+inf", "infinity") else None
    return None


def _converted_literal(instance: str, target: str) -> str:
    text = instance.strip()
    if target == "boolean":
        return text.lower()
    return text if len(text) <= MAX_ECHO else f"the {target}"


@functools.cache
def _expression_pattern() -> str:
    """The ARM expression pattern (common/definitions.json, the same in every schema)."""
    return str(_load_schema("deploymentTemplate.json")["definitions"]["expression"]["pattern"])


def _display_path(path: list[Any]) -> str:
    """``['properties', 'extensions', 0, 'name']`` -> ``properties.extensions[0].name``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z0-9_$@-]+", part):
            out += ("." if out else "") + part
        else:
            out += f"[{part!r}]"
    return out


def _type_name(value: Any) -> str:
    name = _JSON_TYPES.get(type(value), type(value).__name__)
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


def _show(value: Any, secret: bool) -> str:
    """How a message may quote ``value``: the value itself only if short and not secret."""
    if secret:
        return f"{_type_name(value)} value (not shown)"
    if isinstance(value, str):
        return repr(value) if len(value) <= MAX_ECHO else f"a string of {len(value)} characters"
    if value is None or isinstance(value, (bool, int, float)):
        text = json.dumps(value)
        return text if len(text) <= MAX_ECHO else _type_name(value)
    return _type_name(value)


def _enum_list(values: Any) -> str:
    items = [repr(v) if isinstance(v, str) else json.dumps(v) for v in values]
    if len(items) > MAX_ENUM_LISTED:
        return ", ".join(items[:MAX_ENUM_LISTED]) + f", ... ({len(items)} values)"
    return ", ".join(items)
