"""Build the *proposed* scale set from the current one, the way Azure would, to preview an edit.

Two kinds of edit are supported:

1. **az generic update arguments** (``az vmss update --set/--add/--remove``), by
   :func:`apply_generic_update`.
2. **A REST PATCH body** (``VirtualMachineScaleSetUpdate``), by :func:`apply_patch_body`.

Both return a new document and never touch their input.

az generic update arguments
===========================

This mirrors azure-cli core, ``src/azure-cli-core/azure/cli/core/commands/arm.py``
(``_split_key_value_pair``, ``set_properties``, ``add_properties``, ``remove_properties``,
``_get_internal_path``, ``_update_instance``, ``_find_property``, ``throw_and_show_options``,
``make_snake_case``), and ``shell_safe_json_parse`` in ``azure/cli/core/util.py``. The
argument parsing and ordering follow ``GenericUpdateCommandOperation`` in
``azure/cli/core/commands/command_operation.py``. The examples come from Microsoft's
"Modify a Virtual Machine Scale Set" tutorial (``az vmss update --set
virtualMachineProfile.storageProfile.imageReference.version=...``, ``--remove
...ipConfigurations[0].loadBalancerBackendAddressPools 0``, ``--add
...ipConfigurations[0].ApplicationGatewayBackendAddressPools '{"id": ...}'``).

The behaviours mirrored:

- **Paths.** ``a.b[0].c`` and ``a.b.[0]`` are the same path. A segment ``[N]`` indexes a
  list; a negative N counts from the end, as Python does, because az uses ``int()``.
  A segment ``[key=value]`` selects the one list item whose ``key`` equals ``value``.
  The value is parsed as JSON, so ``[lun=0]`` matches the integer 0. No match is an
  error, and so is more than one. A selector may not be the last segment of ``--set``:
  az rejects that as invalid syntax.
- **Values.** ``--set`` splits on the first ``=`` that is outside brackets. The value is
  parsed the way ``shell_safe_json_parse`` parses it: as JSON first, then as a Python
  literal (``ast.literal_eval``), and otherwise it is kept as a plain string.
  ``sku.capacity=3`` gives the integer 3, ``x='{"a": 1}'`` an object, ``x="'a b'"`` the
  string ``a b``, ``x=None`` gives null, ``tags.env=prod`` the string ``prod`` and
  ``version=16.04.201801090`` a string. Non-finite numbers and values JSON cannot
  hold stay strings. With ``--force-string``, every value stays a string. ``--set PATH``
  without any ``=`` outside brackets is a usage error here (az quietly sets ``""``);
  ``PATH=`` sets the empty string.
- **Property names.** az walks SDK models and matches a property by its snake_case name,
  so ``VirtualMachineProfile``, ``virtualMachineProfile`` and ``diskSizeGb`` /
  ``diskSizeGB`` all match. Free-form dictionaries (``tags``, extension ``settings`` and
  ``protectedSettings``, ``userAssignedIdentities``) are plain dicts in the SDK, and az
  matches their keys exactly. This module does the same. A name that differs only in
  all-lower or all-upper case (``virtualmachineprofile``) does not match, in az or here.
- **--set.** It replaces the property that matches, keeping the document's spelling.
  Otherwise it adds the key: a property of the VMSS model gets its REST spelling, any
  other name is added as written. az creates the *innermost* missing object (its
  ``parent_name={}`` step) when the model knows the property but it is unset. Here that
  means a key that is null, or missing but named in ``schemas/property-names.json``.
  Any other missing segment is an error naming the path and the segment.
- **--add PATH VALUE...** appends to a list, and creates the list in the same way when it
  is unset. Consecutive ``key=value`` arguments build one object whose values are
  strings, not parsed. Any other argument first flushes that object, then is parsed as
  JSON (or a literal, or kept as a string) and appended. As in az, an argument that
  contains ``=`` counts as ``key=value`` even when it looks like JSON.
- **--remove PATH INDEX** pops the list item at INDEX. ``--remove PATH`` removes a
  property. az resets a model's *list* property to ``[]`` and deletes any other property
  (on a dict, a key). Arguments after INDEX are ignored, as az ignores them.
  ``--remove`` on a property that is known but unset does nothing.
- **Errors** are :class:`~vmssplan.model.UsageError` (exit 2). Each message names the
  operation and the segment that failed, and lists the keys available there. Values of
  secrets (adminPassword, customData, protectedSettings) are never echoed.

Both document shapes. The paths in Microsoft's docs are written against the ``az vmss
show`` shape, where the ``properties`` envelope is flattened at the top and in NIC
configurations, IP configurations and extensions. vmssplan's documents may instead be
REST-shaped. The two are handled as follows:

- On a REST document, a segment that is not found at an envelope level (the root, a list
  item, ``publicIPAddressConfiguration``) is looked up inside that level's ``properties``.
  So ``virtualMachineProfile.storageProfile`` finds
  ``properties.virtualMachineProfile.storageProfile``.
- Keys that are created go into ``properties`` unless they belong outside it: ``tags``,
  ``sku``, ``zones``... at the root, and ``name``/``id``/``type``/``sku`` on items.
- Items added to NIC configurations, IP configurations or extensions of a REST document
  get a ``properties`` envelope.
- On an ``az``-shaped document, a ``properties.`` segment that has nothing to enter is
  skipped, so REST-style paths work there too.

**Order.** az applies ``--set``, ``--add`` and ``--remove`` in the order they appear on the
command line (its ``OrderedArgsAction`` records them). Each expression of one ``--set``
is applied in turn. :func:`parse_edit_argv` keeps that exact order when raw argv tokens
are available. A CLI framework that collects each option separately cannot keep the
interleaving, so :func:`parse_edit_arguments` applies **all --set, then all --add, then
all --remove**, each group in its given order. This order is chosen so that indices mean
what the user saw in the current document:

- ``--add`` only appends, so it never moves an item an index in ``--set`` or
  ``--remove`` refers to;
- ``--remove`` runs last, so it cannot shift the items that ``--set`` indexes.

The result differs from az only when a command depends on the interleaving, for example
a ``--set`` that indexes an item an earlier ``--remove`` has shifted. Use
:func:`parse_edit_argv` for those.

Known difference from az: az knows the SDK model, so it creates any unset object. Here
only the innermost missing object is created, and only when its name is a property of
the VMSS model. A typo therefore gives an error, not a new key.

REST PATCH body
===============

:func:`apply_patch_body` applies a ``VirtualMachineScaleSetUpdate`` body. ARM asks PATCH
bodies to follow JSON merge patch (RFC 7396; ARM RPC guideline RPC-V2-Patch-3 as checked
by Azure/azure-openapi-validator "ConsistentPatchProperties"). The rules:

- Objects merge recursively. Arrays and scalars replace the current value whole.
  ARM property names are matched case-insensitively; keys under extension ``settings``
  and ``protectedSettings`` are matched exactly.
- ``null`` follows Microsoft.Compute, not RFC 7396: a null property is treated as not
  specified and changes nothing. Evidence:
  - azure-rest-api-specs#9014: ``"proximityPlacementGroup": null`` has no effect, while
    ``{"id": ""}`` detaches it;
  - azure-powershell#11033 added that empty id to ``Update-AzVmss``;
  - azure-cli#15217: a value that becomes null never reaches the scale set.
  The exception is ``identity.userAssignedIdentities``: there a null value removes that
  identity. See the managed-identities doc ``qs-configure-rest-vmss.md``: "Add `null`
  to the user-assigned managed identity you would like to remove", and facts row 16
  (Terraform: "Removing a user-assigned identity using PATCH requires setting it to
  `null`"). Pass ``null_removes=True`` for plain RFC 7396, where every null removes.
- ``identity.type`` without ``UserAssigned`` drops every user-assigned identity, and
  ``None`` drops all of them (same doc: "remove all the user-assigned managed identities
  by switching to use only system-assigned").
- Tags merge key by key, like any object, as RFC 7396 says. Whether Microsoft.Compute
  replaces the whole tag set on PATCH could not be checked offline. Send the full set of
  tags to be sure.
- Top-level keys outside the update model (``location``, ``name``, ``id``,
  ``extendedLocation``, a flattened ``virtualMachineProfile``...) are reported as a
  :class:`~vmssplan.model.DocumentError`, so are a body that is not a JSON object and a
  ``properties`` that is not an object.
- The body is REST-shaped, so it is applied to the REST form of the current document.
  An ``az vmss show`` document is first re-enveloped by :func:`to_rest_shape`, and the
  result is REST-shaped.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from .. import shape
from ..model import (
    MAX_VALUE_NESTING,
    SENSITIVE,
    DocumentError,
    DocumentKind,
    Finding,
    UsageError,
    has_lone_surrogate,
    json_type_name,
    too_deep,
)
from ..pointer import join

if TYPE_CHECKING:
    from .documents import Document

__all__ = [
    "RULE_PATCH_BODY",
    "EditOperation",
    "apply_generic_update",
    "apply_patch_body",
    "edited_document",
    "is_rest_shaped",
    "parse_edit_arguments",
    "parse_edit_argv",
    "parse_value",
    "split_path",
    "to_rest_shape",
]

#: Rule id of the findings about a PATCH body (or current document) that cannot be applied.
RULE_PATCH_BODY = "VAL050"

EditKind = Literal["set", "add", "remove"]

# --- az syntax (azure-cli core arm.py) -----------------------------------------------------

_INDEX_OR_FILTER = re.compile(r"\[(.*)\]")
_INTERNAL_PATH = re.compile(r"(\[.*?\])|([^.]+)")
_SNAKE_1 = re.compile(r"(.)([A-Z][a-z]+)")
_SNAKE_2 = re.compile(r"([a-z0-9])([A-Z])")
_NEGATIVE_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$")

# --- shapes --------------------------------------------------------------------------------

#: Keys of the REST resource that stay outside ``properties`` (as vmssplan.shape.REST_TOP_LEVEL,
#: plus what az and templates add around the model).
_ROOT_OUTER = frozenset({"id", "name", "type", "location", "tags", "sku", "plan", "identity", "zones",
                         "extendedLocation", "etag", "properties", "managedBy", "kind",
                         "resourceGroup", "apiVersion", "dependsOn", "comments", "condition", "copy", "scope"})
#: Keys of an enveloped item (NIC/IP configuration, extension, public IP configuration)
#: that stay outside its ``properties``.
_ITEM_OUTER = frozenset({"name", "id", "type", "sku", "etag", "properties"})
#: Arrays whose items carry a ``properties`` envelope in REST, and objects that do.
_ENVELOPED_ARRAYS = frozenset(name.lower() for name in shape.ENVELOPED_ITEMS)
_ENVELOPED_OBJECTS = frozenset(name.lower() for name in shape.ENVELOPED_OBJECTS)
#: Plain dictionaries in the SDK model: their keys are data, matched exactly.
_FREE_FORM = frozenset({"tags", "settings", "protectedsettings", "userassignedidentities"})
#: Secrets: their values never appear in a message.
_SECRET_NAMES = ("adminpassword", "customdata", "protectedsettings")

#: Top-level keys of VirtualMachineScaleSetUpdate (2024-03-01 swagger: sku, plan,
#: properties, identity, plus UpdateResource.tags; zones in later api-versions).
_PATCHABLE_TOP = ("tags", "sku", "plan", "properties", "identity", "zones")


def _snake(name: str) -> str:
    """azure-cli's ``make_snake_case``: the key az uses to match a model property."""
    return _SNAKE_2.sub(r"\1_\2", _SNAKE_1.sub(r"\1_\2", name)).lower()


@lru_cache(maxsize=1)
def _model_names() -> dict[str, str]:
    """snake_case name -> REST spelling of every property of the VMSS model."""
    try:
        from ..data import schema_text

        names = json.loads(schema_text("property-names.json"))["names"]
    except (OSError, ValueError, KeyError, TypeError):  # pragma: no cover - data always ships
        return {}
    return {_snake(n): n for n in names if isinstance(n, str)}


# --- public types --------------------------------------------------------------------------


@dataclass(frozen=True)
class EditOperation:
    """One generic update argument, as az receives it after the shell.

    ``kind`` is ``set``, ``add`` or ``remove``. ``args`` holds the raw arguments: for
    ``set`` exactly one ``KEY=VALUE`` expression (az applies each expression of a ``--set``
    in turn), for ``add`` the list path and then the values, for ``remove`` the path and an
    optional index. ``force_string`` is az's ``--force-string``.
    """

    kind: EditKind
    args: tuple[str, ...]
    force_string: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.args, tuple):
            object.__setattr__(self, "args", _arg_tuple(self.args))
        if self.kind not in ("set", "add", "remove"):
            raise UsageError(f"unknown edit operation {self.kind!r} (expected set, add or remove)")
        if not self.args:
            raise UsageError(f"--{self.kind}: expected at least one argument")
        if self.kind == "set":
            if len(self.args) != 1:
                raise UsageError("--set: one KEY=VALUE expression per operation")
            key, value = _split_key_value(self.args[0])
            if not key.strip():
                raise UsageError(f"{self}: empty key; correct syntax: --set KEY=VALUE [KEY=VALUE ...]")
            if value is None:  # `--set PATH` would set "" without a word: say what is missing
                raise UsageError(f"--set {key}: missing =VALUE; correct syntax: --set PATH=VALUE (PATH= sets an "
                                 "empty string, PATH=null a null)")

    @classmethod
    def set(cls, expression: str, force_string: bool = False) -> EditOperation:
        return cls("set", (expression,), force_string)

    @classmethod
    def add(cls, path: str, *values: str, force_string: bool = False) -> EditOperation:
        return cls("add", (path, *values), force_string)

    @classmethod
    def remove(cls, path: str, index: str | int | None = None) -> EditOperation:
        return cls("remove", (path,) if index is None else (path, str(index)))

    def __str__(self) -> str:
        """The operation as typed, with secret values masked and long values shortened."""
        if self.kind == "set":
            key, value = _split_key_value(self.args[0])
            return f"--set {key}={_shown_value(key, value or '')}"
        path, *rest = self.args
        return " ".join([f"--{self.kind}", path, *(_shown_value(path, v) for v in rest)])


# --- parsing -------------------------------------------------------------------------------


def parse_edit_arguments(set_args: Iterable[str] = (), add_args: Iterable[Sequence[str]] = (),
                         remove_args: Iterable[Sequence[str]] = (), *,
                         force_string: bool = False) -> list[EditOperation]:
    """Operations from options collected one by one (``--set`` repeatable with one or more
    expressions each, ``--add``/``--remove`` repeatable with their arguments).

    The interleaving of different options is not known here, so the order is: every
    ``--set`` in order, then every ``--add``, then every ``--remove`` (see the module
    docstring for why). Use :func:`parse_edit_argv` when the raw tokens are available.
    """
    ops = [EditOperation("set", (expr,), force_string) for expr in set_args]
    ops += [EditOperation("add", _arg_tuple(args), force_string) for args in add_args]
    ops += [EditOperation("remove", _arg_tuple(args), force_string) for args in remove_args]
    return ops


def _arg_tuple(args: Sequence[str] | str) -> tuple[str, ...]:
    return (args,) if isinstance(args, str) else tuple(args)


def parse_edit_argv(argv: Sequence[str]) -> list[EditOperation]:
    """Operations from raw tokens, in command-line order, exactly as az orders them.

    ``argv`` holds only generic update arguments: ``--set KEY=VALUE...``, ``--add PATH
    VALUE...``, ``--remove PATH [INDEX]`` (each taking the tokens up to the next option, as
    argparse's ``nargs='+'`` does; ``--set=EXPR`` takes just one) and ``--force-string``,
    which applies to all of them as in az.
    """
    force = "--force-string" in argv
    ops: list[EditOperation] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        i += 1
        if token == "--force-string":
            continue
        option, eq, inline = token.partition("=")
        if option not in ("--set", "--add", "--remove"):
            raise UsageError(f"unexpected argument {token!r}: the edit arguments are --set, --add, --remove "
                             "and --force-string")
        values = [inline] if eq else []
        if not eq:
            while i < len(argv) and not _looks_like_option(argv[i]):
                values.append(argv[i])
                i += 1
        if not values:
            raise UsageError(f"{option}: expected at least one argument")
        kind: EditKind = "set" if option == "--set" else "add" if option == "--add" else "remove"
        if kind == "set":
            ops.extend(EditOperation("set", (v,), force) for v in values)
        else:
            ops.append(EditOperation(kind, tuple(values), force))
    return ops


EDIT_OPTIONS = ("--set", "--add", "--remove", "--force-string")


def extract_edit_tokens(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split a command line into (other tokens, generic update tokens), keeping the order
    of each: the CLI framework never sees ``--set/--add/--remove``, whose variable number
    of values and relative order only :func:`parse_edit_argv` handles as az does."""
    rest: list[str] = []
    edits: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        i += 1
        if token == "--":
            rest.extend(argv[i - 1:])
            break
        if token.partition("=")[0] not in EDIT_OPTIONS:
            rest.append(token)
            continue
        edits.append(token)
        if "=" in token or token == "--force-string":
            continue
        while i < len(argv) and not _looks_like_option(argv[i]):
            edits.append(argv[i])
            i += 1
    return rest, edits


def _looks_like_option(token: str) -> bool:
    """argparse's test: ``-x``/``--x`` is an option, ``-1`` and ``-`` are values."""
    return token.startswith("-") and token != "-" and not _NEGATIVE_NUMBER.match(token)


def split_path(path: str) -> list[str]:
    """az's ``_get_internal_path``: ``a.b[0][name=x].c`` -> ``['a', 'b', '[0]', '[name=x]', 'c']``."""
    path = path.replace(".[", "[").replace("[", ".[")
    return [bracket or name for bracket, name in _INTERNAL_PATH.findall(path)]


def _split_key_value(expression: str) -> tuple[str, str | None]:
    """az's ``_split_key_value_pair``: the first ``=`` outside ``[...]`` separates key and value;
    the value is None when there is no such ``=`` (``--set PATH`` alone, a usage error)."""
    if expression.count("=") == 1:
        key, value = expression.split("=", 1)
        return key, value
    chars: list[str] = []
    brackets = False
    for i, char in enumerate(expression):
        if char == "=" and not brackets:
            return "".join(chars), expression[i + 1:]
        if char == "[":
            brackets = True
        elif char == "]" and brackets:
            brackets = False
        chars.append(char)
    return "".join(chars), None


def parse_value(text: str, force_string: bool = False) -> Any:
    """A value as az parses it (``shell_safe_json_parse``): JSON, else a Python literal,
    else the text itself. Results JSON cannot hold (sets, bytes, complex, NaN) stay text."""
    if force_string:
        return text
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        import ast  # only for values that are not JSON

        try:
            value = ast.literal_eval(text)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return text
    if too_deep(value):
        raise UsageError(f"the value {text[:40]}... is nested more than {MAX_VALUE_NESTING} levels deep")
    if has_lone_surrogate(value):
        raise UsageError("the value holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text")
    try:
        return _jsonable(value)
    except ValueError:
        return text


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _jsonable(v) for k, v in value.items()}
    raise ValueError(f"{type(value).__name__} is not a JSON value")


def _shown_value(path: str, value: str) -> str:
    low = (path + "=" + value).lower()
    if any(name in low for name in _SECRET_NAMES):
        return SENSITIVE
    return value if len(value) <= 80 else value[:77] + "..."


# --- shapes --------------------------------------------------------------------------------


def is_rest_shaped(document: Any) -> bool:
    """True for a REST model (the ``properties`` envelope at the top), false for az output."""
    return isinstance(document, dict) and isinstance(document.get("properties"), dict)


def to_rest_shape(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of a scale set in the REST shape.

    ``az vmss show`` output is re-enveloped: the keys that are not resource-level go into
    ``properties``, and NIC configurations, IP configurations, extensions and public IP
    configurations get their ``properties`` envelope back (an extension's
    ``typePropertiesType`` becomes ``properties.type``). A REST document is copied as it is.
    """
    doc = copy.deepcopy(document)
    if is_rest_shaped(doc):
        return doc
    top: dict[str, Any] = {}
    props: dict[str, Any] = {}
    for key, value in doc.items():
        (top if key in _ROOT_OUTER else props)[key] = value
    _envelope_inside(props)
    if props or "properties" not in top:
        top["properties"] = props
    return top


def _envelope_inside(node: Any) -> None:
    """Give every enveloped item or object below ``node`` its ``properties`` (in place)."""
    if isinstance(node, dict):
        for key in list(node):
            low = key.lower() if isinstance(key, str) else ""
            if low in _FREE_FORM:
                continue
            value = node[key]
            if low in _ENVELOPED_ARRAYS and isinstance(value, list):
                node[key] = [_rest_item(item, low) for item in value]
            elif low in _ENVELOPED_OBJECTS and isinstance(value, dict):
                node[key] = _rest_item(value, low)
            else:
                _envelope_inside(value)
    elif isinstance(node, list):
        for item in node:
            _envelope_inside(item)


def _rest_item(item: Any, kind: str) -> Any:
    """One enveloped item in the REST shape (its insides too)."""
    if not isinstance(item, dict):
        return item
    if isinstance(item.get("properties"), dict):
        _envelope_inside(item["properties"])
        return item
    outer: dict[str, Any] = {}
    inner: dict[str, Any] = {}
    for key, value in item.items():
        if key in ("name", "id", "sku", "etag"):
            outer[key] = value
        elif key == "type" and kind == "extensions" and ("typePropertiesType" in item
                                                         or (isinstance(value, str) and "/" in value)):
            outer[key] = value  # the child resource type, read-only
        elif key == "type" and kind != "extensions":
            outer[key] = value
        elif key == "typePropertiesType" and kind == "extensions":
            inner["type"] = value
        else:
            inner[key] = value
    _envelope_inside(inner)
    if inner:
        outer["properties"] = inner
    return outer


# --- generic update ------------------------------------------------------------------------


class _Node:
    """Where a walk is: the value, how to show its path, and what kind of level it is."""

    __slots__ = ("envelope", "free", "key", "root", "segments", "value")

    def __init__(self, value: Any, segments: tuple[str, ...], key: str = "", free: bool = False,
                 envelope: bool = False, root: bool = False):
        self.value = value
        self.segments = segments
        self.key = key  # the name this value sits under (for lists: which array it is)
        self.free = free  # inside a free-form dictionary: exact keys, no envelope
        self.envelope = envelope  # root, list item or public IP configuration: may hold `properties`
        self.root = root

    @property
    def shown(self) -> str:
        return ".".join(self.segments).replace(".[", "[")

    @property
    def where(self) -> str:
        return f"under '{self.shown}'" if self.segments else "at the top level"


class _Edit:
    """One operation applied to one document (the document is modified in place)."""

    def __init__(self, document: dict[str, Any], op: EditOperation):
        self.op = op
        self.rest = is_rest_shaped(document)
        self.root = _Node(document, (), envelope=True, root=True)

    # -- errors --

    def fail(self, message: str) -> UsageError:
        return UsageError(f"{self.op}: {message}")

    def keys_of(self, node: _Node) -> str:
        value = node.value
        keys = [k for k in value if k != "properties" or not self._envelope_props(node)]
        props = self._envelope_props(node)
        if props is not None:
            keys += list(props)
        names = sorted({str(k) for k in keys}, key=str.lower)
        if len(names) > 30:
            names = names[:30] + [f"... {len(names) - 30} more"]
        return ", ".join(names) if names else "none, it is empty"

    # -- lookups --

    def _envelope_props(self, node: _Node) -> dict[str, Any] | None:
        if node.envelope and not node.free and isinstance(node.value, dict):
            props = node.value.get("properties")
            if isinstance(props, dict):
                return props
        return None

    @staticmethod
    def _match(mapping: dict[str, Any], name: str, exact: bool) -> str | None:
        if name in mapping:
            return name
        if exact:
            return None
        wanted = _snake(name)
        return next((k for k in mapping if isinstance(k, str) and _snake(k) == wanted), None)

    def lookup(self, node: _Node, name: str) -> tuple[dict[str, Any], str] | None:
        """The dict holding property ``name`` of ``node`` and its key there, or None."""
        key = self._match(node.value, name, node.free)
        if key is not None:
            return node.value, key
        props = self._envelope_props(node)
        if props is not None:
            key = self._match(props, name, False)
            if key is not None:
                return props, key
        return None

    def placement(self, node: _Node, name: str) -> tuple[dict[str, Any], str]:
        """Where a new property ``name`` of ``node`` goes, and the key to give it."""
        if node.free:
            return node.value, name
        key = _model_names().get(_snake(name), name)
        props = self._envelope_props(node)
        outer = _ROOT_OUTER if node.root else _ITEM_OUTER
        if props is not None and key not in outer:
            return props, key
        return node.value, key

    def known(self, node: _Node, name: str) -> bool:
        """Whether az would find ``name`` as an (unset) property of the SDK model here."""
        snake = _snake(name)
        return not node.free and snake != "properties" and snake in _model_names()

    def child(self, node: _Node, value: Any, segment: str, key: str) -> _Node:
        low = key.lower()
        return _Node(value, node.segments + (segment,), key=key if not segment.startswith("[") else node.key,
                     free=node.free or low in _FREE_FORM,
                     envelope=not node.free and (segment.startswith("[") or low in _ENVELOPED_OBJECTS))

    # -- one step of a path --

    def step(self, node: _Node, segment: str, create: Literal["dict", "list"] | None = None,
             last: bool = False) -> _Node:
        """The child ``segment`` of ``node``; ``create`` makes an unset innermost container."""
        bracket = _INDEX_OR_FILTER.match(segment)
        if bracket:
            return self._index(node, segment, bracket.group(1), create)
        value = node.value
        if isinstance(value, list):
            raise self.fail(f"'{segment}' cannot be looked up {node.where}: it is a list; index it with "
                            f"[<index>] or [<key>=<value>]")
        if not isinstance(value, dict):
            shown = node.shown or "the document"
            raise self.fail(f"'{segment}' cannot be looked up {node.where}: '{shown}' is "
                            f"{_describe(value)}, which has no properties")
        found = self.lookup(node, segment)
        if found is not None:
            container, key = found
            if container[key] is None and create is not None:
                container[key] = {} if create == "dict" else []
            return self.child(node, container[key], segment, key)
        if (not last and node.envelope and not node.free and _snake(segment) == "properties"
                and self._envelope_props(node) is None):
            # A REST-style path on an az-shaped document: the envelope is already flat.
            return _Node(value, node.segments + (segment,), key=node.key, free=False, envelope=True,
                         root=node.root)
        if create is not None and self.known(node, segment):
            container, key = self.placement(node, segment)
            container[key] = {} if create == "dict" else []
            return self.child(node, container[key], segment, key)
        hint = ""
        if self.known(node, segment):
            shown = ".".join(node.segments + (segment,)).replace(".[", "[")
            hint = ("; it is not set, so there is nothing to remove" if self.op.kind == "remove" else
                    f"; it is not set, and az creates only the innermost missing object: set '{segment}' as a "
                    f"whole, e.g. --set {shown}='{{...}}'")
        raise self.fail(f"'{segment}' not found {node.where} (keys: {self.keys_of(node)}){hint}")

    def _index(self, node: _Node, segment: str, inner: str, create: Literal["dict", "list"] | None) -> _Node:
        items = node.value
        if not isinstance(items, list):
            shown = node.shown or "the document"
            raise self.fail(f"'{shown}' is {_describe(items)}, not a list: it cannot be indexed with {segment}")
        if "=" in inner:
            key, raw = inner.split("=", 1)
            wanted = parse_value(raw)
            matches = [i for i, item in enumerate(items) if self._item_has(node, item, key, wanted)]
            if len(matches) > 1:
                raise self.fail(f"{segment} matches {len(matches)} items of '{node.shown}'; the key must be unique")
            if not matches:
                listed = ""
                if not any(secret in key.lower() for secret in _SECRET_NAMES):
                    present = sorted({repr(v) for v in (self._item_value(node, it, key) for it in items)
                                      if v is not None})
                    listed = f" ({key} values: {', '.join(present) if present else 'none'})"
                raise self.fail(f"no item of '{node.shown}' has {key}={raw}{listed}")
            index = matches[0]
        else:
            try:
                index = int(inner)
            except ValueError:
                raise self.fail(f"{segment}: an index must be an integer or a [key=value] selector") from None
            if not -len(items) <= index < len(items):
                raise self.fail(f"index {index} doesn't exist on '{node.shown}' ({_count(len(items))})")
        if items[index] is None and create is not None:
            items[index] = {} if create == "dict" else []
        return self.child(node, items[index], segment, node.key)

    def _item_value(self, list_node: _Node, item: Any, key: str) -> Any:
        if not isinstance(item, dict):
            return None
        item_node = _Node(item, (), envelope=not list_node.free, free=list_node.free)
        found = self.lookup(item_node, key)
        return found[0][found[1]] if found else None

    def _item_has(self, list_node: _Node, item: Any, key: str, wanted: Any) -> bool:
        value = self._item_value(list_node, item, key)
        return (value == wanted and type(value) is type(wanted)) or (
            isinstance(value, (int, float)) and isinstance(wanted, (int, float))
            and not isinstance(value, bool) and not isinstance(wanted, bool) and value == wanted)

    def walk(self, segments: Sequence[str], create_last: Literal["dict", "list"] | None = None,
             whole_path: bool = False) -> _Node:
        """Follow ``segments``; ``create_last`` may create the last one (az's innermost object).
        ``whole_path`` says the segments end the user's path (no ``properties`` skip there)."""
        node = self.root
        for i, segment in enumerate(segments):
            is_last = i == len(segments) - 1
            node = self.step(node, segment, create_last if is_last else None, last=whole_path and is_last)
        return node

    def adapt_item(self, list_node: _Node, item: Any) -> Any:
        """An item going into a list, enveloped when the list is enveloped in REST."""
        if self.rest and not list_node.free and list_node.key.lower() in _ENVELOPED_ARRAYS:
            return _rest_item(item, list_node.key.lower())
        return item

    # -- the three operations --

    def set(self) -> None:
        key, raw = _split_key_value(self.op.args[0])
        value = parse_value(raw or "", self.op.force_string)
        segments = split_path(key)
        if not segments:
            raise self.fail("empty key; correct syntax: --set KEY=VALUE")
        name = segments[-1]
        parent = self.walk(segments[:-1], create_last="dict")
        bracket = _INDEX_OR_FILTER.match(name)
        if bracket:
            if "=" in bracket.group(1):
                raise self.fail(f"a [key=value] selector cannot end a --set path (az: invalid syntax); set a "
                                f"property of the item, e.g. {key}.property=VALUE, or use an index")
            items = parent.value
            if not isinstance(items, list):
                raise self.fail(f"'{parent.shown or 'the document'}' is {_describe(items)}, not a list: it cannot "
                                f"be indexed with {name}")
            try:
                index = int(bracket.group(1))
            except ValueError:
                raise self.fail(f"{name}: an index must be an integer") from None
            if not -len(items) <= index < len(items):
                raise self.fail(f"index {index} doesn't exist on '{parent.shown}' ({_count(len(items))})")
            items[index] = self.adapt_item(parent, value)
            return
        if isinstance(parent.value, list):
            raise self.fail(f"'{name}' cannot be set {parent.where}: it is a list; index it with [<index>] "
                            f"or [<key>=<value>]")
        if not isinstance(parent.value, dict):
            raise self.fail(f"'{name}' cannot be set {parent.where}: '{parent.shown or 'the document'}' is "
                            f"{_describe(parent.value)}")
        found = self.lookup(parent, name)
        container, slot = found if found is not None else self.placement(parent, name)
        container[slot] = value

    def add(self) -> None:
        path, *arguments = self.op.args
        segments = split_path(path)
        if not segments:
            raise self.fail("empty path; correct syntax: --add PATH VALUE [VALUE ...]")
        parent = self.walk(segments[:-1])
        target = self.step(parent, segments[-1], create="list", last=True)
        if not isinstance(target.value, list):
            raise self.fail(f"'{target.shown}' is {_describe(target.value)}, not a list: --add appends to a list "
                            f"(use --set to change a property)")
        items: list[Any] = []
        entry: dict[str, Any] = {}
        for argument in arguments:
            if "=" in argument:
                k, v = argument.split("=", 1)
                entry[k] = v
                continue
            if entry:
                items.append(entry)
                entry = {}
            items.append(parse_value(argument, self.op.force_string))
        if entry:
            items.append(entry)
        target.value.extend(self.adapt_item(target, item) for item in items)

    def remove(self) -> None:
        path = self.op.args[0]
        index = self.op.args[1] if len(self.op.args) > 1 else ""
        segments = split_path(path)
        if not segments:
            raise self.fail("empty path; correct syntax: --remove PATH [INDEX]")
        if not index:
            self._remove_property(segments)
            return
        target = self.walk(segments, whole_path=True)
        if not isinstance(target.value, list):
            raise self.fail(f"'{target.shown}' is {_describe(target.value)}, not a list: it has no index {index} "
                            f"(to remove the property itself: --remove {path})")
        try:
            position = int(index)
        except ValueError:
            raise self.fail(f"index {index!r} is not an integer") from None
        if not -len(target.value) <= position < len(target.value):
            raise self.fail(f"index {position} doesn't exist on '{target.shown}' ({_count(len(target.value))})")
        target.value.pop(position)

    def _remove_property(self, segments: list[str]) -> None:
        name = segments[-1]
        if _INDEX_OR_FILTER.match(name):
            list_path = ".".join(segments[:-1]).replace(".[", "[")
            raise self.fail(f"to remove a list item give the list and the index: --remove {list_path} <index> "
                            f"(az: invalid syntax)")
        parent = self.walk(segments[:-1])
        if not isinstance(parent.value, dict):
            raise self.fail(f"'{name}' cannot be removed {parent.where}: '{parent.shown or 'the document'}' is "
                            f"{_describe(parent.value)}")
        found = self.lookup(parent, name)
        if found is None:
            if self.known(parent, name):
                return  # az sets the unset property to None: nothing changes
            raise self.fail(f"'{name}' not found {parent.where} (keys: {self.keys_of(parent)})")
        container, key = found
        if not parent.free and isinstance(container[key], list):
            container[key] = []  # az resets a model's list property to an empty list
        else:
            del container[key]


def apply_generic_update(document: dict[str, Any], operations: Iterable[EditOperation]) -> dict[str, Any]:
    """The scale set after ``az vmss update`` with these generic update arguments, in order.

    ``document`` is one scale set, REST-shaped or ``az vmss show``-shaped; the result keeps
    its shape. The input is not modified. A path that does not resolve raises
    :class:`~vmssplan.model.UsageError` naming the operation and the failing segment.
    """
    if not isinstance(document, dict):
        raise DocumentError([Finding(RULE_PATCH_BODY, f"the scale set to edit must be a JSON object, not "
                                                      f"{_describe(document)}")])
    result = copy.deepcopy(document)
    for op in operations:
        if not isinstance(op, EditOperation):
            raise TypeError(f"expected an EditOperation, got {type(op).__name__}")
        edit = _Edit(result, op)
        if op.kind == "set":
            edit.set()
        elif op.kind == "add":
            edit.add()
        else:
            edit.remove()
    return result


# --- PATCH ---------------------------------------------------------------------------------


def apply_patch_body(document: dict[str, Any], patch: Any, *, null_removes: bool = False) -> dict[str, Any]:
    """The scale set after ``PATCH`` with this ``VirtualMachineScaleSetUpdate`` body.

    Objects merge recursively, arrays replace wholesale, ``null`` changes nothing except in
    ``identity.userAssignedIdentities`` where it removes that identity (``null_removes``
    gives RFC 7396's "null removes" everywhere). The result is REST-shaped (an ``az vmss
    show`` document is re-enveloped first). Neither argument is modified.
    """
    if not isinstance(patch, dict):
        raise DocumentError([Finding(RULE_PATCH_BODY, f"a PATCH body must be a JSON object "
                                                      f"(VirtualMachineScaleSetUpdate), not {_describe(patch)}")])
    if not isinstance(document, dict):
        raise DocumentError([Finding(RULE_PATCH_BODY, f"the scale set to patch must be a JSON object, not "
                                                      f"{_describe(document)}")])
    problems = []
    for key, value in patch.items():
        if not isinstance(key, str) or key.lower() not in _PATCHABLE_TOP:
            hint = (" (PATCH bodies are REST-shaped: it belongs under \"properties\")"
                    if isinstance(key, str) and _snake(key) in _model_names() and key.lower() not in _ROOT_LOWER
                    else "")
            problems.append(Finding(RULE_PATCH_BODY, f"'{key}' cannot be patched: a VirtualMachineScaleSetUpdate "
                                                     f"holds only {', '.join(_PATCHABLE_TOP)}{hint}",
                                    pointer=join((key,))))
        elif key.lower() in ("properties", "sku", "plan", "identity") and value is not None \
                and not isinstance(value, dict):
            problems.append(Finding(RULE_PATCH_BODY, f"'{key}' must be a JSON object, not {_describe(value)}",
                                    pointer=join((key,))))
    if problems:
        raise DocumentError(problems)
    result = to_rest_shape(document)
    _merge(result, patch, (), null_removes, exact=False)
    _identity_type(result, patch)
    return result


_ROOT_LOWER = frozenset(k.lower() for k in _ROOT_OUTER)
_MISSING = object()


def _ci_key(mapping: dict[str, Any], name: str) -> str | None:
    if name in mapping:
        return name
    low = name.lower()
    return next((k for k in mapping if isinstance(k, str) and k.lower() == low), None)


def _merge(target: dict[str, Any], patch: dict[str, Any], path: tuple[str, ...], null_removes: bool,
           exact: bool) -> None:
    """Merge ``patch`` into ``target`` in place (Compute PATCH semantics, see module doc)."""
    in_identities = len(path) == 2 and path[0].lower() == "identity" and path[1].lower() == "userassignedidentities"
    for key, change in patch.items():
        current_key = (key if key in target else None) if exact else _ci_key(target, key)
        if change is None:
            if current_key is not None and (null_removes or in_identities):
                del target[current_key]
            continue
        if current_key is not None and current_key != key:
            _rename(target, current_key, key)  # the body's (REST) spelling wins, in place
        current = target.get(key, _MISSING) if current_key is not None else _MISSING
        if isinstance(change, dict):
            merged: dict[str, Any] = current if isinstance(current, dict) else {}
            _merge(merged, change, path + (key,), null_removes,
                   exact or key.lower() in ("settings", "protectedsettings"))
            target[key] = merged
        else:
            target[key] = copy.deepcopy(change)


def _rename(mapping: dict[str, Any], old: str, new: str) -> None:
    """Rename a key without moving it."""
    items = [(new if k == old else k, v) for k, v in mapping.items()]
    mapping.clear()
    mapping.update(items)


def _identity_type(result: dict[str, Any], patch: dict[str, Any]) -> None:
    """A new ``identity.type`` drops the identities it no longer names."""
    patch_identity = patch.get(_ci_key(patch, "identity") or "identity")
    if not isinstance(patch_identity, dict) or not isinstance(patch_identity.get(_ci_key(patch_identity, "type")
                                                                                  or "type"), str):
        return
    identity = result.get(_ci_key(result, "identity") or "identity")
    if not isinstance(identity, dict):
        return
    kind = identity.get(_ci_key(identity, "type") or "type")
    kinds = {part.strip().lower() for part in kind.split(",")} if isinstance(kind, str) else set()
    if "userassigned" not in kinds:
        key = _ci_key(identity, "userAssignedIdentities")
        if key is not None:
            del identity[key]
    if "systemassigned" not in kinds:
        for name in ("principalId", "tenantId"):
            key = _ci_key(identity, name)
            if key is not None:
                del identity[key]


# --- helpers -------------------------------------------------------------------------------


def _describe(value: Any) -> str:
    return json_type_name(value, array="a list")


def _count(n: int) -> str:
    return "it is empty" if n == 0 else f"it has {n} item" + ("" if n == 1 else "s")


def edited_document(current: Document, patch: Document | None, edits: Sequence[str]) -> Document:
    """The proposed scale set as `az vmss update` would make it from ``current``: the REST
    PATCH body ``patch`` merged first, then the generic updates ``edits`` (``--set/--add/
    --remove`` tokens, in command-line order). Raises :class:`DocumentError` for edits that
    do not apply, :class:`UsageError` when ``current`` is not a scale-set model."""
    from .documents import Document, detect_kind  # not at import: the CLI imports this module at every start

    if current.kind not in (DocumentKind.REST_MODEL, DocumentKind.AZ_MODEL):
        raise UsageError(f"{current.path}: --set/--add/--remove/--patch edit a scale-set model (a REST GET or "
                         "`az vmss show` output), not a template or a list: edit the template or its parameters")
    data = current.data
    label = current.path
    if patch is not None:
        data = apply_patch_body(data, patch.data)
        label += f" + PATCH {patch.path}"
    if edits:
        operations = parse_edit_argv(list(edits))
        data = apply_generic_update(data, operations)
        label += " + " + " ".join(str(op) for op in operations)
    return Document(f"<{label}>", json.dumps(data, indent=2, ensure_ascii=False), data, detect_kind(data))
