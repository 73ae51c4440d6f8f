"""Property tests (hypothesis) over the loader, the template evaluator and the differ.

- the loader: any text or bytes give a document or a DocumentError, nothing else; valid
  JSON (with comments, BOM, CRLF, UTF-16) reads back as the value that was written;
- the differ: over generated scale-set models (keyed arrays, mixed-case ids and enums,
  the `az` shape, wrong types in odd places) normalize and diff never raise, and the
  patch applied to the canonical current model gives the canonical proposed one;
- the template evaluator: generated templates full of random expressions give scale
  sets and findings, never another exception;
- the whole pipeline, in process: any pair of generated documents plans and renders;
- the schema check: the compiled quick check never accepts a scale set that the full
  (jsonschema) check faults, in either shape.

Derandomized with bounded example counts so CI is stable and the file runs in ~30 s.
"""

from __future__ import annotations

import copy
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import jsonpatch
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from vmssplan import validate
from vmssplan.diff import diff, to_rfc6902
from vmssplan.engine import plan_files
from vmssplan.expressions.functions import REGISTRY
from vmssplan.inputs.documents import (
    MAX_DEPTH,
    decode,
    deeper_than,
    parse_document,
    parse_json,
    strip_comments,
)
from vmssplan.locate import PositionIndex
from vmssplan.model import DeploymentScope, DocumentError, DocumentKind, ScaleSetSource, UsageError
from vmssplan.normalize import normalize
from vmssplan.pointer import child
from vmssplan.render import FINDINGS_FORMATS, PLAN_FORMATS, get_renderer
from vmssplan.resolve import ParameterValues, parameters_from_assignments, resolve_template
from vmssplan.shape import same_value as equal
from vmssplan.view import build_view

FAST = settings(max_examples=300, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(FAST, max_examples=100)

# --- JSON values -----------------------------------------------------------------------

LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
)
JSON = st.recursive(LEAVES, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=6), children, max_size=4)), max_leaves=20)


# --- the loader --------------------------------------------------------------------------


def _parse(text: str) -> None:
    try:
        doc = parse_document(text, "x.json")
    except DocumentError as error:
        finding = error.findings[0]
        assert finding.file == "x.json" and finding.line and finding.column, finding
        return
    # Every node of a document that loads can be located.
    stack: list[tuple[Any, str]] = [(doc.data, "")]
    while stack:
        node, pointer = stack.pop()
        line, column = doc.position(pointer)
        assert line >= 1 and column >= 1
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        stack.extend((v, child(pointer, k)) for k, v in items)


@FAST
@given(st.text())
def test_any_text_loads_or_is_a_located_finding(text: str) -> None:
    _parse(text)


@FAST
@given(st.binary())
def test_any_bytes_load_or_are_a_located_finding(data: bytes) -> None:
    try:
        _parse(decode(data, "x.json"))
    except DocumentError as error:
        assert error.findings[0].line


JSON_NOISE = st.sampled_from(['"', "\\", "/", "//", "/*", "*/", "{", "}", "[", "]", ":", ",", "\n", "\r\n",
                              "NaN", "-Infinity", "1e400", "\\ud800", '"a":1,', "\x00", "\ufeff", "\\u00"])


@st.composite
def damaged_json(draw: st.DrawFn) -> str:
    text = json.dumps(draw(JSON), indent=draw(st.sampled_from([None, 1, 2])))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "truncate"]))
        if action == "insert":
            text = text[:at] + draw(JSON_NOISE) + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 3)):]
        else:
            text = text[:at]
    return text


@FAST
@given(damaged_json())
def test_damaged_json_loads_or_is_a_located_finding(text: str) -> None:
    _parse(text)


@st.composite
def commented(draw: st.DrawFn, value: Any) -> str:
    """``value`` as JSON with comments between tokens (ARM allows them)."""
    tokens = json.dumps(value, indent=1).split("\n")
    out = []
    for line in tokens:
        out.append(line)
        comment = draw(st.sampled_from(["", "", " // a comment: \"x\", [1]", " /* {block} */", " /*\n multi */"]))
        out.append(comment)
    return "\n".join(out)


@FAST
@given(st.data())
def test_valid_json_reads_back_as_written(data: st.DataObject) -> None:
    value = data.draw(JSON)
    assert parse_json(json.dumps(value), "x.json") == value
    text = data.draw(commented(value))
    assert parse_json(text, "x.json") == value
    for raw in (b"\xef\xbb\xbf" + text.encode("utf-8"), text.replace("\n", "\r\n").encode("utf-8"),
                b"\xff\xfe" + text.encode("utf-16-le"), b"\xfe\xff" + text.encode("utf-16-be")):
        assert parse_json(decode(raw, "x.json"), "x.json") == value


def reference_positions(text: str) -> tuple[dict[str, int], dict[str, int]]:
    """Pointer -> offset of the key (or value) and of the value, by a plain tokenizer over
    the whole text, comments stripped first: what PositionIndex must agree with."""
    token = re.compile(r'\s+|"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.DOTALL)
    offsets: dict[str, int] = {}
    values: dict[str, int] = {}
    stack: list[list[Any]] = []  # [pointer, is_object, next index, key, expecting a key]
    for match in token.finditer(strip_comments(text)):
        tok = match.group(0)
        if tok[0].isspace() or tok[0] in ",:":
            continue
        if tok[0] in "}]":
            stack.pop()
            continue
        frame = stack[-1] if stack else None
        if frame is not None and frame[1] and frame[4]:
            frame[3], frame[4] = json.loads(tok), False
            offsets.setdefault(child(frame[0], frame[3]), match.start())
            continue
        if frame is None:
            pointer = ""
        elif frame[1]:
            pointer, frame[4] = child(frame[0], frame[3]), True
        else:
            pointer, frame[2] = f"{frame[0]}/{frame[2]}", frame[2] + 1
        offsets.setdefault(pointer, match.start())
        values[pointer] = match.start()
        if tok[0] in "{[":
            stack.append([pointer, tok[0] == "{", 0, None, tok[0] == "{"])
    return offsets, values


def line_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


KEYS = st.sampled_from(["a", "b", "", "a/b", "~", "~1", "0", "01", "é", "\"", "k\\"])
POSITIONED = st.recursive(LEAVES, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=4)), max_leaves=25)


@FAST
@given(st.data())
def test_positions_agree_with_a_plain_tokenizer(data: st.DataObject) -> None:
    value = data.draw(POSITIONED)
    text = data.draw(st.one_of(st.just(json.dumps(value)), st.just(json.dumps(value, indent=2)),
                               commented(value), st.just(json.dumps(value, indent="\t", ensure_ascii=False))))
    index = PositionIndex(text)
    offsets, values = reference_positions(text)
    for pointer in offsets:
        assert index.locate(pointer) == line_column(text, offsets[pointer]), pointer
        assert index.locate(pointer, value=True) == line_column(text, values[pointer]), pointer
    # An absent node is located at its nearest ancestor.
    for pointer in list(offsets)[:5]:
        for missing in ("/nope", "/99", "/01", "/a/b/c"):
            probe = pointer + missing
            while probe and probe not in offsets:
                probe = probe.rsplit("/", 1)[0]
            assert index.locate(pointer + missing) == line_column(text, offsets.get(probe, 0))


@FAST
@given(st.integers(1, 2 * MAX_DEPTH), st.sampled_from(["[", '{"k":']), st.sampled_from(["0", "", "[]", '{}']))
def test_nesting_up_to_the_limit_loads_and_beyond_is_a_finding(depth: int, opener: str, leaf: str) -> None:
    closer = "]" if opener == "[" else "}"
    if opener != "[" and not leaf:
        leaf = "0"  # '{"k":}' is not JSON
    depth -= leaf in ("[]", "{}")  # the innermost level is the leaf itself
    text = opener * depth + leaf + closer * depth
    depth += leaf in ("[]", "{}")
    try:
        parse_json(text, "x.json")
        assert depth <= MAX_DEPTH
    except DocumentError as error:
        assert depth > MAX_DEPTH
        assert "nested too deeply" in error.findings[0].message


def _container_depth(value: Any) -> int:
    if isinstance(value, (dict, list)):
        return 1 + max(map(_container_depth, value.values() if isinstance(value, dict) else value), default=0)
    return 0


@FAST
@given(JSON, st.integers(0, 6))
def test_the_depth_check_agrees_with_a_plain_count(value: Any, limit: int) -> None:
    assert deeper_than(value, limit) is (_container_depth(value) > limit)


# --- scale-set models ----------------------------------------------------------------------

NAMES = st.sampled_from(["web", "Web", "api", "a/b", "x~y", "", "CustomScript", "health"])
SUBNET_IDS = st.builds(
    "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/{}".format,
    st.sampled_from(["0000", "ABCD", "abcd"]), st.sampled_from(["rg", "RG"]), st.sampled_from(["web", "Web", "db"]))
POOL_IDS = st.builds(
    "/subscriptions/0000/resourceGroups/{}/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/{}".format,
    st.sampled_from(["rg", "RG"]), st.sampled_from(["pool", "Pool", "other"]))
SMALL = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.sampled_from(["", "a", "A"])),
                     lambda c: st.lists(c, max_size=2) | st.dictionaries(st.sampled_from(["a", "b", "A"]), c,
                                                                          max_size=2), max_leaves=5)


def maybe_wrong(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the right shape; now and then any JSON value instead."""
    return st.one_of(good, good, good, SMALL)


def obj(required: dict[str, Any] | None = None, **optional: Any) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(required or {}, optional=optional)


EXTENSION = st.one_of(
    obj({"name": NAMES}, properties=maybe_wrong(obj(
        publisher=st.sampled_from(["Microsoft.Azure.Extensions", "microsoft.azure.extensions"]),
        type=st.sampled_from(["CustomScript", "customscript"]), typeHandlerVersion=st.sampled_from(["2.0", "2.1"]),
        autoUpgradeMinorVersion=st.booleans(), settings=SMALL, protectedSettings=SMALL,
        forceUpdateTag=st.sampled_from(["1", "2"]), provisionAfterExtensions=st.lists(NAMES, max_size=2),
        provisioningState=st.just("Succeeded")))),
    obj({"name": NAMES}, publisher=st.just("p"), typePropertiesType=st.just("t"), settings=SMALL),  # az shape
    obj(properties=obj(publisher=st.just("p"))),  # no name: the array is positional
)
DATA_DISK = obj({"lun": st.one_of(st.integers(0, 3), st.just("1"))}, diskSizeGB=st.integers(1, 4),
                createOption=st.sampled_from(["Empty", "empty", "Attach"]),
                caching=st.sampled_from(["None", "ReadOnly", "readonly"]),
                managedDisk=obj(storageAccountType=st.sampled_from(["Premium_LRS", "premium_lrs"])))
IP_CONFIGURATION = obj({"name": NAMES}, properties=obj(
    subnet=obj(id=SUBNET_IDS), primary=st.booleans(),
    loadBalancerBackendAddressPools=st.lists(obj({"id": POOL_IDS}), max_size=2)))
NIC = obj({"name": NAMES}, properties=obj(
    primary=st.booleans(), enableAcceleratedNetworking=st.booleans(),
    ipConfigurations=maybe_wrong(st.lists(IP_CONFIGURATION, max_size=2))))
VM_PROFILE = obj(
    storageProfile=obj(
        imageReference=obj(publisher=st.sampled_from(["Canonical", "canonical"]), offer=st.just("ubuntu"),
                           sku=st.sampled_from(["22_04-lts", "22_04-LTS"]), version=st.sampled_from(["latest", "1.0"]),
                           exactVersion=st.just("1.0.0")),
        osDisk=obj(createOption=st.just("FromImage"), caching=st.sampled_from(["ReadWrite", "readwrite"]),
                   diskSizeGB=st.integers(30, 31)),
        dataDisks=maybe_wrong(st.lists(DATA_DISK, max_size=3))),
    osProfile=obj(computerNamePrefix=NAMES, adminUsername=st.just("azureuser"),
                  adminPassword=st.sampled_from(["secret-1", "secret-2"]), customData=st.sampled_from(["Y2k=", ""]),
                  linuxConfiguration=obj(ssh=obj(publicKeys=st.lists(
                      obj({"keyData": st.sampled_from(["ssh-rsa AAA1", "ssh-rsa AAA2"])},
                          path=st.just("/home/azureuser/.ssh/authorized_keys")), max_size=2)))),
    networkProfile=obj(networkInterfaceConfigurations=maybe_wrong(st.lists(NIC, max_size=2))),
    extensionProfile=obj(extensions=maybe_wrong(st.lists(EXTENSION, max_size=3))),
    securityProfile=SMALL,
)
PROPERTIES = obj(
    upgradePolicy=obj(mode=st.sampled_from(["Manual", "manual", "Rolling", "Automatic"]),
                      rollingUpgradePolicy=obj(maxBatchInstancePercent=st.integers(1, 100))),
    singlePlacementGroup=st.booleans(), overprovision=st.booleans(),
    orchestrationMode=st.sampled_from(["Uniform", "Flexible"]),
    platformFaultDomainCount=st.integers(1, 5),
    virtualMachineProfile=maybe_wrong(VM_PROFILE),
    provisioningState=st.just("Succeeded"), uniqueId=st.sampled_from(["u1", "u2"]),
)
REST_MODEL = obj(
    {"name": NAMES},
    id=st.just("/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/web"),
    type=st.just("Microsoft.Compute/virtualMachineScaleSets"),
    location=st.sampled_from(["westeurope", "West Europe", "eastus"]),
    tags=st.dictionaries(st.sampled_from(["env", "Env", "team"]), st.sampled_from(["prod", "Prod", ""]), max_size=2),
    sku=obj(name=st.sampled_from(["Standard_D2s_v5", "standard_d2s_v5", "Standard_D4s_v5"]),
            tier=st.just("Standard"), capacity=st.integers(0, 200)),
    zones=st.lists(st.sampled_from(["1", "2", "3"]), max_size=3, unique=True),
    identity=obj(type=st.sampled_from(["SystemAssigned", "systemassigned"]), principalId=st.just("p")),
    etag=st.just('"7"'),
    properties=maybe_wrong(PROPERTIES),
    extra=SMALL,
)
AZ_MODEL = st.builds(lambda model: {**{k: v for k, v in model.items() if k != "properties"},
                                    **(model.get("properties") if isinstance(model.get("properties"), dict) else {}),
                                    "resourceGroup": "rg"}, REST_MODEL)


def _containers(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(item, (dict, list)):
            found += _containers(item, path + (key,))
    return found


@st.composite
def mutated(draw: st.DrawFn, model: dict[str, Any]) -> dict[str, Any]:
    """``model`` with a few edits: a value replaced, a member removed, an item added or copied."""
    model = copy.deepcopy(model)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(_containers(model)))
        node: Any = model
        for key in path:
            node = node[key]
        if isinstance(node, dict):
            key = draw(st.sampled_from(sorted(node) + ["new", "Name", "lun"]))
            if key in node and draw(st.booleans()):
                del node[key]
            else:
                node[key] = draw(st.one_of(SMALL, NAMES, st.integers(0, 3), SUBNET_IDS.map(str.upper)))
        elif isinstance(node, list):
            at = draw(st.integers(0, len(node)))
            source = draw(st.sampled_from(node)) if node and draw(st.booleans()) else draw(SMALL)
            node.insert(at, copy.deepcopy(source))  # a copy repeats a key: the array turns positional
    return model


@st.composite
def model_pairs(draw: st.DrawFn) -> tuple[dict[str, Any], bool, dict[str, Any], bool]:
    before_az = draw(st.booleans())
    before = draw(AZ_MODEL if before_az else REST_MODEL)
    if draw(st.booleans()):
        after_az = draw(st.booleans())
        after = draw(AZ_MODEL if after_az else REST_MODEL)
    else:
        after_az, after = before_az, draw(mutated(before))
    return before, before_az, after, after_az


KEYED_PROFILE = st.fixed_dictionaries({
    "storageProfile": obj({"dataDisks": st.lists(DATA_DISK, min_size=1, max_size=4)}),
    "networkProfile": obj({"networkInterfaceConfigurations": st.lists(NIC, min_size=1, max_size=3)}),
    "extensionProfile": obj({"extensions": st.lists(EXTENSION, min_size=1, max_size=4)}),
})


@st.composite
def keyed_pairs(draw: st.DrawFn) -> tuple[dict[str, Any], bool, dict[str, Any], bool]:
    """Two models whose keyed arrays (extensions, data disks, NICs) overlap: items kept,
    dropped, added, edited and reordered, so the differ matches them by key."""
    profile = draw(KEYED_PROFILE)
    before = {"name": "web", "properties": {"virtualMachineProfile": profile}}
    after = copy.deepcopy(before)
    for path in (("storageProfile", "dataDisks"), ("networkProfile", "networkInterfaceConfigurations"),
                 ("extensionProfile", "extensions")):
        items = after["properties"]["virtualMachineProfile"][path[0]][path[1]]
        kept = [item for item in items if draw(st.integers(0, 3))]
        extra = draw(st.lists({"dataDisks": DATA_DISK, "networkInterfaceConfigurations": NIC,
                               "extensions": EXTENSION}[path[1]], max_size=2))
        edited = [draw(mutated(item)) if draw(st.integers(0, 2)) == 0 else item for item in kept + extra]
        after["properties"]["virtualMachineProfile"][path[0]][path[1]] = draw(st.permutations(edited))
    return before, False, after, False


def canonical(model: dict[str, Any], flattened: bool) -> dict[str, Any]:
    kind = DocumentKind.AZ_MODEL if flattened else DocumentKind.REST_MODEL
    return normalize(ScaleSetSource("x", model, "x.json", flattened=flattened), kind).model


@settings(FAST, max_examples=1500)
@given(st.one_of(model_pairs(), keyed_pairs()))
def test_the_patch_turns_the_current_model_into_the_proposed_one(
        pair: tuple[dict[str, Any], bool, dict[str, Any], bool]) -> None:
    before, before_az, after, after_az = pair
    a, b = canonical(before, before_az), canonical(after, after_az)
    ops = diff(a, b)
    event(f"operations: {min(len(ops), 10)}{'+' if len(ops) >= 10 else ''}")
    event(f"keyed-array operations: {any('[' in op.display_path for op in ops)}")
    patched = jsonpatch.apply_patch(a, [to_rfc6902(op) for op in ops])
    # Equal as ARM compares: the differ ignores case where ARM does (ids, enums,
    # locations), so "West Europe" -> "westeurope" is no change and is not patched.
    assert diff(patched, b) == []
    assert equal((), patched, b)
    assert diff(a, a) == [] and diff(b, b) == []
    for op in ops:
        assert isinstance(op.display_path, str)  # rendering a path never fails


# --- templates with random expressions --------------------------------------------------------

FUNCTION_NAMES = sorted(name for name in REGISTRY if name not in ("lambda", "lambdavariables"))
LITERALS = st.one_of(
    st.integers(-3, 1000).map(str), st.sampled_from(["'a'", "'Web'", "''", "'p1'", "'v1'", "'loop'", "true()",
                                                      "parameters('p1')", "parameters('sec')", "variables('v1')",
                                                      "variables('self')", "variables('list')", "copyIndex()",
                                                      "copyIndex('loop')", "resourceGroup().location",
                                                      "reference('x').id", "utcNow()", "ns.f(1)"]),
)


def _calls(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(lambda name, args, tail: f"{name}({', '.join(args)}){tail}",
                     st.sampled_from(FUNCTION_NAMES), st.lists(children, max_size=3),
                     st.sampled_from(["", "", ".a", "[0]", ".id"]))


EXPRESSIONS = st.one_of(
    st.recursive(LITERALS, _calls, max_leaves=6).map(lambda body: f"[{body}]"),
    st.text(max_size=12).map(lambda body: f"[{body}]"),
    st.text(max_size=6),
)
TEMPLATE_VALUES = st.recursive(st.one_of(EXPRESSIONS, st.integers(0, 3), st.booleans()),
                               lambda c: st.lists(c, max_size=2) | st.dictionaries(
                                   st.sampled_from(["a", "b", "[concat('k', 'x')]", "[[escaped"]), c, max_size=2),
                               max_leaves=6)


@st.composite
def templates(draw: st.DrawFn) -> dict[str, Any]:
    expression = EXPRESSIONS
    vmss: dict[str, Any] = {
        "type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-03-01",
        "name": draw(st.one_of(st.just("web"), expression)),
        "location": draw(expression),
        "sku": {"name": draw(expression), "capacity": draw(st.one_of(st.integers(0, 3), expression))},
        "tags": draw(TEMPLATE_VALUES),
        "properties": {
            "upgradePolicy": {"mode": draw(expression)},
            "virtualMachineProfile": {
                "osProfile": {"adminPassword": "[parameters('sec')]", "computerNamePrefix": draw(expression)},
                "storageProfile": {"dataDisks": draw(TEMPLATE_VALUES)},
                "extensionProfile": {"extensions": [{"name": draw(expression),
                                                     "properties": {"settings": draw(TEMPLATE_VALUES)}}]},
            },
        },
    }
    if draw(st.booleans()):
        vmss["copy"] = {"name": "loop", "count": draw(st.one_of(st.integers(-1, 3), expression))}
    if draw(st.booleans()):
        vmss["condition"] = draw(expression)
    if draw(st.booleans()):
        vmss["properties"]["virtualMachineProfile"]["storageProfile"]["copy"] = [
            {"name": "dataDisks", "count": draw(st.one_of(st.integers(0, 3), expression)),
             "input": {"lun": "[copyIndex('dataDisks')]", "diskSizeGB": draw(expression)}}]
    resources: list[Any] = [vmss]
    if draw(st.booleans()):
        inner = copy.deepcopy(vmss)
        scope = draw(st.sampled_from(["inner", "outer"]))
        resources.append({"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "nested",
                          "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": scope},
                                         "parameters": {"p1": {"value": draw(expression)}},
                                         "template": {"parameters": {"p1": {"type": "string"},
                                                                     "sec": {"type": "securestring",
                                                                             "defaultValue": "s3cr3t!"}},
                                                      "variables": {"v1": draw(expression)},
                                                      "resources": [inner]}}})
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "p1": {"type": draw(st.sampled_from(["string", "int", "object", "array", "bool"])),
                   "defaultValue": draw(TEMPLATE_VALUES)},
            "sec": {"type": "securestring", "defaultValue": draw(expression)},
        },
        "functions": [{"namespace": "ns", "members": {"f": {
            "parameters": [{"name": "x", "type": "int"}],
            "output": {"type": "string", "value": draw(expression)}}}}],
        "variables": {"v1": draw(TEMPLATE_VALUES), "self": "[variables('self')]", "list": draw(expression),
                      "copy": [{"name": "many", "count": draw(st.one_of(st.integers(0, 3), expression)),
                                "input": draw(expression)}]},
        "resources": resources,
    }


@settings(SLOW, max_examples=250)
@given(templates(), st.lists(st.text(max_size=8).map(lambda v: f"p1={v}"), max_size=1))
def test_templates_with_random_expressions_give_findings_never_exceptions(template: dict[str, Any],
                                                                          assignments: list[str]) -> None:
    parameters: list[ParameterValues] = [parameters_from_assignments(assignments)] if assignments else []
    scope = DeploymentScope(subscription_id="0000", resource_group="rg", location="westeurope")
    try:
        resolved = resolve_template(template, "t.json", parameters, scope)
    except DocumentError as error:
        event("template: DocumentError")
        assert all(f.rule.startswith("VAL") for f in error.findings)
        return
    event(f"template: {min(len(resolved.scale_sets), 3)} scale sets, findings: {bool(resolved.findings)}")
    for finding in resolved.findings:
        assert finding.rule.startswith("VAL") and finding.message
    models = [normalize(s, DocumentKind.ARM_TEMPLATE).model for s in resolved.scale_sets[:4]]
    for a, b in zip(models, models[1:] + models[:1], strict=True):  # copies, and copies in nested deployments
        for op in diff(a, b):
            to_rfc6902(op)


# --- the whole pipeline, in process ------------------------------------------------------------


@settings(SLOW, max_examples=120)
@given(st.one_of(model_pairs(), keyed_pairs()), st.sampled_from(["text", "json", "markdown", "sarif"]))
def test_any_pair_of_models_plans_and_renders(pair: tuple[dict[str, Any], bool, dict[str, Any], bool],
                                              output: str) -> None:
    before, _, after, _ = pair
    with tempfile.TemporaryDirectory() as tmp:
        current, proposed = Path(tmp, "current.json"), Path(tmp, "proposed.json")
        current.write_text(json.dumps(before))
        proposed.write_text(json.dumps(after, indent=2))
        try:
            result = plan_files(str(current), str(proposed))
        except (DocumentError, UsageError):
            event("pipeline: DocumentError or UsageError")
            return
        event(f"pipeline: {'plan' if result.plan else 'no plan'}, errors: {result.has_errors}")
        get_renderer(PLAN_FORMATS, output)(build_view(result, plan=True), color=output == "text")
        get_renderer(FINDINGS_FORMATS, "text")(build_view(result, plan=False), color=False)


# --- the schema check: quick and full agree ------------------------------------------------


@settings(FAST, max_examples=600)
@given(st.one_of(REST_MODEL, REST_MODEL.flatmap(mutated)), st.sampled_from(["model", "template"]),
       st.sampled_from(["2017-03-30", "2023-03-01", "2024-03-01", "2026-03-01"]))
def test_the_quick_schema_check_is_never_more_lenient_than_the_full_one(
        model: dict[str, Any], shape: str, version: str) -> None:
    if shape == "template":
        model = {**model, "type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": version}
    quick = validate._surely_valid(model, f"vmss/{version}.json", shape)  # type: ignore[arg-type]
    full = list(validate._vmss_validator(version, shape).iter_errors(model))  # type: ignore[arg-type]
    event(f"quick check: {'valid' if quick else 'ask the full check'}; full: {len(full) and 'errors'}")
    if quick:
        assert not full, [e.message for e in full]
