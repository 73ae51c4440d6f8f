"""DeepDiff as a second opinion on the differ (issue 13, point 7).

For a pair of NORMALIZED scale-set models (the output of ``vmssplan/normalize.py``), the
differ (``vmssplan/diff.py``) and DeepDiff, run on the same pair, must agree:

1. the set of paths that vmssplan's patch touches equals the set of paths at which DeepDiff
   finds a difference, and vmssplan names each of them once;
2. the RFC 6902 patch (``diff.to_rfc6902``), applied with jsonpatch to the current model,
   gives the proposed one, order of arrays included, as ARM compares values.

The pairs: every real model of the shared corpus (REST examples and evaluated templates)
against its neighbours (a PUT body against the response the service gave for it, the scale
sets of one file, the last of one file against the first of the next) and against itself;
each of them against copies with hypothesis-chosen edits; and pairs of edited copies of a
few real models, the repository's examples among them, so that the test runs without the
corpus too. The edits are those people make: a value changed (its case only, its type, a
number written as a float), a member added or removed, items of keyed arrays (extensions,
NICs, IP configurations, data disks, pools, zones) added, removed, copied, reordered or
renamed.

How DeepDiff's report is made comparable, and why it stays an independent opinion:

- Keyed arrays. vmssplan matches the items of the arrays named in ``shape.KEYED_ARRAYS`` by
  their key (``shape.item_key``: an extension by name, a data disk by lun, a pool by id),
  not by position, when the array is keyed on both sides (every item has a key that no
  other item has); otherwise it compares the two arrays whole, position by position.
  DeepDiff with ``ignore_order`` off compares lists by position. So where an array is keyed
  on both sides the oracle hands it to DeepDiff as a mapping from item key to item
  (``Keyed``). Two dicts compared key by key is "match the items by key" and nothing else:
  an item whose key is on one side only is added or removed, two items with the same key
  are compared member by member, order plays no part. That is the meaning vmssplan gives
  keyed arrays (its merge walk over sorted keys is one way to compute it; DeepDiff's dict
  comparison is another, sharing no code). Where vmssplan *puts* each item (the running
  indices of its patch) is what point 2 checks. Which arrays are keyed is restated here
  from the table, not taken from the differ.
- Positional arrays. vmssplan does not descend into them: one that differs is replaced
  whole. DeepDiff reports each index; the oracle cuts its paths at the first list index, so
  "DeepDiff finds any difference inside array X" must equal "vmssplan replaces X". (Inside
  one, the oracle still matches the items of an array keyed on both sides by key where
  vmssplan compares them by position: the same, as normalization sorts keyed arrays by key.)
- Case. ARM compares ids, locations and enum values without regard to case, and so does
  vmssplan (``shape.fold``, inside ``shape.same_value``). The oracle folds every leaf with
  ``shape.fold`` at its own path before DeepDiff sees it: which properties are
  case-insensitive is domain data (tests/test_diff.py checks it), taken here as given; what
  the oracle checks is the walk, that every leaf is compared at its own path with its twin
  of the same key, and every difference reported once, at the right place. (An item's path
  ends in its index, which may differ from vmssplan's running index: ``fold`` reads only
  the last two names of a path, and no index is among the names it knows,
  test_fold_never_reads_an_index.) The edits change case on purpose, so both sides of this
  matter: a case-only change of an id is no change, of a name it is one.
- Numbers. JSON has one number type: 1 and 1.0 are the same value, ``true`` and 1 are not
  (as ``shape.same_value`` says). DeepDiff's numeric options would make ``True == 1``, so
  the oracle writes an integral float as an int and lets DeepDiff compare types strictly.
- Values that are not JSON: in evaluated templates, values known only after deployment
  (``Unknown``, perhaps with known parts: a subnet id whose subscription is unknown) and
  values derived from secrets (``SensitiveValue``). Whether two of them are equal is decided
  by the value (``Unknown.compare``, three-valued: provably equal, provably different,
  undecided; the partial-value tests own it), and the oracle takes that decision as given:
  DeepDiff does not look inside such a leaf, an operator (``Undecidable``) asks
  ``shape.compare`` about it. What is checked is again the walk: that such a leaf is
  compared with its twin at its own place, and that vmssplan marks a difference undecided
  exactly where all it rests on is undecided.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import jsonpatch
import pytest
from deepdiff import DeepDiff
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import CORPUS, EXAMPLES, TESTS, corpus_cases
from vmssplan import shape
from vmssplan.diff import diff, to_rfc6902
from vmssplan.expressions.values import Unknown
from vmssplan.inputs.documents import load_document, scale_sets_of
from vmssplan.inputs.reader import Reader
from vmssplan.model import DeploymentScope, DocumentError, DocumentKind, PatchOp, ScaleSetSource
from vmssplan.normalize import normalize
from vmssplan.resolve import parameters_from_file, resolve_template

# --- the oracle ----------------------------------------------------------------------------

Path_ = tuple[Any, ...]

#: DeepDiff compares strictly and by position: no ignore_order; lists zipped index by index
#: (not aligned with difflib, which would report a shifted list as inserts); every dict
#: compared member by member however much of it differs (threshold_to_diff_deeper=0); names
#: starting with "__" compared too.
ORACLE_OPTIONS: dict[str, Any] = {
    "ignore_order": False, "zip_ordered_iterables": True, "threshold_to_diff_deeper": 0,
    "ignore_private_variables": False, "view": "tree",
}
#: What DeepDiff may report on JSON-shaped values, and what :class:`Undecidable` adds;
#: anything else means the oracle fed it something it did not mean to.
REPORTS = {"values_changed", "type_changes", "dictionary_item_added", "dictionary_item_removed",
           "iterable_item_added", "iterable_item_removed", "held_changed", "held_undecided"}


class Keyed(dict[Any, Any]):
    """A keyed array as the oracle hands it to DeepDiff: item key -> item."""


class Held:
    """A leaf that is not a JSON value (known only after deployment, a secret's digest) with
    its path: DeepDiff does not look inside it; :class:`Undecidable` compares it."""

    __slots__ = ("path", "value")

    def __init__(self, path: tuple[str, ...], value: Any) -> None:
        self.path, self.value = path, value

    def __repr__(self) -> str:
        return f"Held({self.value!r})"


class Undecidable:
    """A DeepDiff operator for the levels where either side is :class:`Held`: it reports
    ``held_changed`` when ``shape.compare`` says the two provably differ, ``held_undecided``
    when it cannot decide, nothing when they are provably equal. With ``exact``, the very
    same value is equal too (a volatile unknown, ``utcNow()``, is not provably equal even to
    itself, but a patch that puts it in place has done its work)."""

    def __init__(self, exact: bool = False) -> None:
        self.exact = exact

    def match(self, level: Any) -> bool:
        return isinstance(level.t1, Held) or isinstance(level.t2, Held)

    def give_up_diffing(self, level: Any, diff_instance: Any) -> bool:
        held = level.t1 if isinstance(level.t1, Held) else level.t2
        a, b = (side.value if isinstance(side, Held) else side for side in (level.t1, level.t2))
        if self.exact and type(a) is type(b) and a == b:
            return True
        verdict = shape.compare(held.path, a, b)
        if verdict is not True:
            diff_instance.custom_report_result("held_changed" if verdict is False else "held_undecided", level)
        return True


def _deepdiff(before: Any, after: Any, exact: bool = False) -> Any:
    return DeepDiff(before, after, custom_operators=[Undecidable(exact)], **ORACLE_OPTIONS)


def _item_key(array_name: str, item: Any) -> tuple[str, str] | None:
    key = shape.item_key(array_name, item)
    return None if key is None else ("key", repr(key))


def _keys(array_name: str, items: list[Any]) -> list[tuple[str, str]] | None:
    """The items' keys when ``items`` is a keyed array (named in the table, every item with a
    key of its own), else None."""
    if array_name not in shape.KEYED_ARRAYS:
        return None
    keys = [_item_key(array_name, item) for item in items]
    if any(key is None for key in keys) or len(set(keys)) != len(keys):
        return None
    return keys  # type: ignore[return-value]


def oracle_form(value: Any, path: tuple[str, ...] = ()) -> Any:
    """``value`` as the oracle shows it to DeepDiff: leaves folded as ARM compares them,
    integral floats as ints, values that are not JSON held; arrays as lists."""
    if isinstance(value, dict):
        return {k: oracle_form(v, path + (k,)) for k, v in value.items()}
    if isinstance(value, list):
        return [oracle_form(v, path + (str(i),)) for i, v in enumerate(value)]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return shape.fold(path, value)
    return Held(path, value)


def oracle_pair(a: Any, b: Any, path: tuple[str, ...] = ()) -> tuple[Any, Any]:
    """Both sides in :func:`oracle_form`, but an array keyed on both sides as ``Keyed``:
    item key -> item. (What has no twin on the other side is reported whole, whatever its
    inside looks like.)"""
    if isinstance(a, dict) and isinstance(b, dict):
        left = {k: oracle_form(v, path + (k,)) for k, v in a.items() if k not in b}
        right = {k: oracle_form(v, path + (k,)) for k, v in b.items() if k not in a}
        for k in a.keys() & b.keys():
            left[k], right[k] = oracle_pair(a[k], b[k], path + (k,))
        return left, right
    if isinstance(a, list) and isinstance(b, list):
        name = path[-1] if path else ""
        keys_a, keys_b = _keys(name, a), _keys(name, b)
        if keys_a is None or keys_b is None:  # positional: position by position
            pairs = [oracle_pair(x, y, path + (str(i),)) for i, (x, y) in enumerate(zip(a, b, strict=False))]
            n = len(pairs)
            return ([x for x, _ in pairs] + [oracle_form(x, path + (str(i),)) for i, x in enumerate(a) if i >= n],
                    [y for _, y in pairs] + [oracle_form(y, path + (str(i),)) for i, y in enumerate(b) if i >= n])
        by_key_b = dict(zip(keys_b, b, strict=True))
        left, right = Keyed(), Keyed()
        for i, (key, item) in enumerate(zip(keys_a, a, strict=True)):
            if key in by_key_b:
                left[key], right[key] = oracle_pair(item, by_key_b[key], path + (str(i),))
            else:
                left[key] = oracle_form(item, path + (str(i),))
        for i, (key, item) in enumerate(zip(keys_b, b, strict=True)):
            if key not in left:
                right[key] = oracle_form(item, path + (str(i),))
        return left, right
    return oracle_form(a, path), oracle_form(b, path)


def deepdiff_report(before: dict[str, Any], after: dict[str, Any]) -> dict[Path_, set[str]]:
    """Where DeepDiff finds the two models different, cut at the first positional array,
    with the kinds of difference found there."""
    tree = _deepdiff(*oracle_pair(before, after))
    assert set(tree) <= REPORTS, tree
    paths: dict[Path_, set[str]] = {}
    for kind, levels in tree.items():
        for level in levels:
            path = level.path(output_format="list")
            cut = next((i for i, part in enumerate(path) if isinstance(part, int)), len(path))
            paths.setdefault(tuple(path[:cut]), set()).add(kind)
    return paths


def deepdiff_paths(before: dict[str, Any], after: dict[str, Any]) -> set[Path_]:
    return set(deepdiff_report(before, after))


def _key_path(doc: Any, op: PatchOp) -> Path_:
    """``op``'s path in the oracle's terms, read from ``doc`` as it is when ``op`` applies:
    a keyed item by its key, a positional one by its index (which no DeepDiff path keeps,
    so an operation inside a positional array can never agree)."""
    node, name, out = doc, "", []
    for depth, part in enumerate(op.path):
        last = depth == len(op.path) - 1
        if isinstance(node, list):
            index = int(part)
            item = op.after if last and op.op == "add" else node[index]
            key = _item_key(name, item) if name in shape.KEYED_ARRAYS else None
            out.append(index if key is None else key)
            node = item
        else:
            out.append(part)
            node = node.get(part) if isinstance(node, dict) else None
        name = part
    return tuple(out)


def vmssplan_paths(before: dict[str, Any], ops: list[PatchOp]) -> list[Path_]:
    """The paths of vmssplan's operations in the oracle's terms, each read from the model as
    the operations before it left it."""
    doc, paths = before, []
    for op in ops:
        paths.append(_key_path(doc, op))
        doc = jsonpatch.apply_patch(doc, [to_rfc6902(op)])
    return paths


def check_pair(before: dict[str, Any], after: dict[str, Any]) -> list[PatchOp]:
    """The differ agrees with DeepDiff on ``before`` -> ``after`` (both normalized)."""
    ops = diff(before, after)
    ours = vmssplan_paths(before, ops)
    assert len(set(ours)) == len(ours), f"a path changed twice: {ours}"
    report = deepdiff_report(before, after)
    theirs = set(report)
    assert set(ours) == theirs, (f"only vmssplan: {sorted(map(repr, set(ours) - theirs))}; "
                                 f"only DeepDiff: {sorted(map(repr, theirs - set(ours)))}")
    # A difference is undecided where every difference below it is (one decided difference
    # decides an array or object), as shape.compare has it.
    undecided = {path for op, path in zip(ops, ours, strict=True) if op.undecided}
    assert undecided == {path for path, kinds in report.items() if kinds == {"held_undecided"}}
    patched = jsonpatch.apply_patch(before, [to_rfc6902(op) for op in ops])
    left = _deepdiff(oracle_form(patched), oracle_form(after), exact=True)
    assert not left, f"the patch leaves {left}"
    return ops


def canonical(resource: dict[str, Any]) -> dict[str, Any]:
    return normalize(ScaleSetSource("x", resource, "x.json"), DocumentKind.REST_MODEL).model


# --- the oracle is not a rubber stamp ------------------------------------------------------


def _extension(name: str, **properties: Any) -> dict[str, Any]:
    return {"name": name, "properties": {"publisher": "Microsoft.Azure.Extensions", "type": name, **properties}}


def _model(*extensions: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return canonical({"name": "web", "location": "westeurope", "properties": {
        "virtualMachineProfile": {"extensionProfile": {"extensions": list(extensions)}}, **properties}})


def test_the_oracle_matches_keyed_items_by_key_and_sees_positional_arrays_whole() -> None:
    before = _model(_extension("a"), _extension("b", settings={"k": [1, 2]}), upgradePolicy={"mode": "Manual"})
    after = _model(_extension("b", settings={"k": [2, 1]}), _extension("c"), upgradePolicy={"mode": "manual"})
    extensions = ("properties", "virtualMachineProfile", "extensionProfile", "extensions")
    assert deepdiff_paths(before, after) == {
        extensions + (("key", "'a'"),), extensions + (("key", "'c'"),),
        extensions + (("key", "'b'"), "properties", "settings", "k"),
    }
    check_pair(before, after)


def _by_position(before: Any, after: Any, path: tuple[str, ...] = ()) -> list[PatchOp]:
    """The patch of a differ that compares arrays index by index (jsonpatch.make_patch wrote this
    before 1.48, which detects the removal itself: so the test writes it, not the library)."""
    if isinstance(before, dict) and isinstance(after, dict):
        ops = [PatchOp("remove", path + (k,), ()) for k in before if k not in after]
        ops += [PatchOp("add", path + (k,), (), after=after[k]) for k in after if k not in before]
        return ops + [op for k in before if k in after for op in _by_position(before[k], after[k], path + (k,))]
    if isinstance(before, list) and isinstance(after, list):
        common = min(len(before), len(after))
        ops = [op for i in range(common) for op in _by_position(before[i], after[i], path + (str(i),))]
        ops += [PatchOp("remove", path + (str(i),), ()) for i in reversed(range(common, len(before)))]
        return ops + [PatchOp("add", path + (str(i),), (), after=after[i]) for i in range(common, len(after))]
    return [] if before == after else [PatchOp("replace", path, (), after=after)]


def test_the_oracle_refuses_a_differ_that_compares_keyed_arrays_by_position() -> None:
    """A differ by position reads "remove the first of two extensions" as "the first one
    renamed, the second removed": its paths are not DeepDiff's."""
    before, after = _model(_extension("a"), _extension("b")), _model(_extension("b"))
    ops = _by_position(before, after)
    extensions = "/properties/virtualMachineProfile/extensionProfile/extensions"
    assert [to_rfc6902(op)["path"] for op in ops if op.op == "remove"] == [f"{extensions}/1"]
    assert jsonpatch.apply_patch(before, [to_rfc6902(op) for op in ops]) == after
    assert set(vmssplan_paths(before, ops)) != deepdiff_paths(before, after)
    check_pair(before, after)


def test_the_oracle_folds_case_where_arm_does_and_only_there() -> None:
    subnet = "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
    before = canonical({"name": "web", "location": "West Europe", "tags": {"team": "Web"},
                        "properties": {"virtualMachineProfile": {"networkProfile": {"networkInterfaceConfigurations": [
                            {"name": "nic", "properties": {"ipConfigurations": [
                                {"name": "ip", "properties": {"subnet": {"id": subnet}}}]}}]}}}})
    after = copy.deepcopy(before)
    after["location"] = "westeurope"
    after["tags"]["team"] = "web"
    nic = after["properties"]["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"][0]
    nic["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"] = subnet.upper()
    assert deepdiff_paths(before, after) == {("tags", "team")}
    assert [op.path for op in check_pair(before, after)] == [("tags", "team")]


def test_fold_never_reads_an_index() -> None:
    """The oracle folds an item at its own index, vmssplan at its running index: the same,
    because fold looks at the last two names of a path and none it knows is an index."""
    names = {part for entry in shape.CASE_INSENSITIVE_KEYS for part in entry.split("@")} | {"location", "id"}
    assert not any(name.isdecimal() for name in names)  # and no index ends in "Id"
    for path in (("zones",), ("sku", "name"), ("subnet", "id"), ("dataDisks", "caching")):
        for value in ("MixedCase", "/subscriptions/S/x"):
            folded = {shape.fold(path[:1] + (index,) + path[1:], value) for index in ("0", "3", "17")}
            assert len(folded) == 1, (path, folded)


# --- real models ---------------------------------------------------------------------------


def _sources(path: Path) -> tuple[DocumentKind, list[ScaleSetSource]]:
    """The scale sets of a file: a template evaluated with its parameters file; an API
    example's request body and its response."""
    doc = load_document(str(path))
    try:
        if doc.kind is DocumentKind.ARM_TEMPLATE:
            sibling = path.with_name(path.stem + ".parameters.json")
            parameters = [parameters_from_file(load_document(str(sibling)).data, str(sibling))] \
                if sibling.is_file() else []
            base_dir, read_linked = Reader().linked_templates(doc)
            return doc.kind, resolve_template(doc.data, doc.path, parameters, DeploymentScope(), base_dir=base_dir,
                                              read_linked=read_linked).scale_sets
        sources = scale_sets_of(doc)
        if doc.kind is DocumentKind.API_EXAMPLE and isinstance(doc.data.get("parameters"), dict):
            request = replace(doc, data={"parameters": doc.data["parameters"]})
            with contextlib.suppress(DocumentError):  # a GET example has no body in its request
                sources = scale_sets_of(request) + sources
        return doc.kind, sources
    except DocumentError:
        return doc.kind, []  # VM lists, instance views, linked templates without a scale set


@cache
def models_of(path: Path) -> tuple[dict[str, Any], ...]:
    kind, sources = _sources(path)
    models: list[dict[str, Any]] = []
    for source in sources:
        model = normalize(source, kind).model
        if model not in models:  # an example without a request body gave its response twice
            models.append(model)
    return tuple(models)


def _corpus_files() -> list[str]:
    if not (CORPUS / "INDEX.json").is_file():
        return []
    entries = json.loads((CORPUS / "INDEX.json").read_text(encoding="utf-8"))
    return sorted(e["file"] for e in entries if e["kind"] in ("arm-template", "rest-example"))


CORPUS_FILES = _corpus_files()


def _previous_model(name: str) -> dict[str, Any] | None:
    """The last model of the corpus file before ``name`` that has one."""
    for earlier in reversed(CORPUS_FILES[:CORPUS_FILES.index(name)]):
        models = models_of(CORPUS / earlier)
        if models:
            return models[-1]
    return None


@pytest.mark.parametrize("name", corpus_cases(CORPUS_FILES))
def test_corpus_pairs_agree_with_deepdiff(corpus: Path, name: str) -> None:
    models = list(models_of(corpus / name))
    if not models:
        pytest.skip("no scale set in this file")
    previous = _previous_model(name)
    neighbours = list(itertools.pairwise(models)) + ([(previous, models[0])] if previous else [])
    for before, after in neighbours:
        check_pair(before, after)
        check_pair(after, before)
    for model in models:  # against itself: nothing changes, but what differs at each deployment (utcNow())
        assert [op for op in check_pair(model, model) if not op.undecided] == []


def test_the_corpus_is_read() -> None:
    """The corpus tests above skip without the corpus; with it, they see its models."""
    if not CORPUS_FILES:
        pytest.skip("../shared/corpus is not present")
    count = sum(len(models_of(CORPUS / name)) for name in CORPUS_FILES)
    assert count >= 100, count


# --- edits ---------------------------------------------------------------------------------

NAMES = st.sampled_from(["web", "Web", "nic-2", "CustomScript", "HealthExtension", "ip1"])
IDS = st.sampled_from([
    "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/be",
    "/subscriptions/s/resourcegroups/rg/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/BE",
    "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/v/subnets/other",
])
SCALARS = st.one_of(st.booleans(), st.integers(-1, 4), NAMES, IDS, st.sampled_from(["", "Standard", "Premium_LRS"]))
#: A value for a new member: scalars, nothing (null and empty containers normalize away),
#: small objects, and arrays that are keyed wherever they are named so. (Fresh containers:
#: later edits change them in place.)
NEW_VALUES = st.one_of(
    SCALARS, st.none(), st.builds(dict), st.builds(list),
    st.dictionaries(st.sampled_from(["name", "id", "lun", "settings"]), SCALARS, max_size=2),
    st.lists(st.sampled_from(["1", "2", "3"]), max_size=3),
    st.lists(st.fixed_dictionaries({"name": NAMES}, optional={"properties": st.builds(dict, x=st.just(1))}),
             max_size=3),
)
#: Names of new members: ordinary ones, names of keyed arrays, a known name in another case.
MEMBERS = st.sampled_from(["newSetting", "tags", "zones", "extensions", "dataDisks", "ipConfigurations", "Location",
                           "__private", "id"])


def _leaf_edits(value: Any) -> st.SearchStrategy[Any]:
    """Another value for a leaf: the same in another case or type, or a different one."""
    if isinstance(value, bool):
        return st.sampled_from([not value, int(value), str(value).lower()])
    if isinstance(value, int):
        return st.sampled_from([value + 1, float(value), str(value), -value, value + 0.5])
    if isinstance(value, float):
        return st.sampled_from([value + 1, int(value)] if value.is_integer() else [value + 1, round(value)])
    if isinstance(value, str):
        return st.one_of(st.sampled_from([value.swapcase(), value.upper(), value.lower(), value + "-2", ""]), SCALARS,
                         st.sampled_from(_partly_known(value)))
    return SCALARS


_PARAMETER = Unknown("parameters('p')", "no value was given for parameter 'p'")


def _partly_known(text: str) -> list[Any]:
    """Values known only after deployment in place of ``text``: with its start known (a
    partial value, issue 13 point 1), not at all, or different at every deployment."""
    head = text[: len(text) // 2]
    return [Unknown.text((head, _PARAMETER), f"concat('{head}', parameters('p'))"),
            Unknown.text((head.swapcase(), _PARAMETER), f"concat('{head.swapcase()}', parameters('p'))"),
            _PARAMETER, Unknown("utcNow()", "utcNow() is the time of the deployment", ("utcNow",))]


def _walk(value: Any, path: Path_ = ()) -> list[tuple[Path_, Any]]:
    """Every node of ``value`` with its path, parents first."""
    found = [(path, value)]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found += _walk(item, path + (key,))
    return found


def _new_key(draw: st.DrawFn, old: Any) -> Any:
    if isinstance(old, bool) or not isinstance(old, (int, str)):
        return draw(NAMES)
    if isinstance(old, int):
        return draw(st.sampled_from([old + 1, old + 7, float(old), str(old)]))
    return draw(st.sampled_from([old.swapcase(), old + "-2", old.upper()]))


def _with_key(array_name: str, item: Any, key: Any) -> Any:
    """``item`` (a copy) with its key set to ``key``."""
    spec = shape.KEYED_ARRAYS[array_name]
    if spec == ".":
        return key
    item = copy.deepcopy(item) if isinstance(item, dict) else {}
    node, parts = item, spec.split(".")
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[parts[-1]] = key
    return item


def _raw_key(array_name: str, item: Any) -> Any:
    value = item
    spec = shape.KEYED_ARRAYS[array_name]
    if spec != ".":
        for part in spec.split("."):
            value = value.get(part) if isinstance(value, dict) else None
    return value


def _edit_array(draw: st.DrawFn, name: Any, items: list[Any]) -> str:
    keyed = isinstance(name, str) and name in shape.KEYED_ARRAYS
    actions = ["remove", "copy", "reorder"] + (["add", "add", "rekey"] if keyed else ["insert"])
    action = draw(st.sampled_from(actions if items else ["add" if keyed else "insert"]))
    at = draw(st.integers(0, max(len(items) - 1, 0)))
    if action == "remove":
        del items[at]
    elif action == "copy":  # the same key twice: the array turns positional
        items.insert(draw(st.integers(0, len(items))), copy.deepcopy(items[at]))
    elif action == "reorder":
        items[:] = draw(st.permutations(items))
    elif action == "insert":
        items.insert(draw(st.integers(0, len(items))), draw(SCALARS))
    elif action == "add":  # a new item like an existing one, under another key
        template = items[at] if items else {}
        key = _new_key(draw, _raw_key(name, template) if items else None)
        items.insert(draw(st.integers(0, len(items))), _with_key(name, template, key))
    else:  # rekey: the same item under another key (or the same key in another case)
        items[at] = _with_key(name, items[at], _new_key(draw, _raw_key(name, items[at])))
    return f"{action} {'keyed' if keyed else 'positional'} item"


@st.composite
def edited(draw: st.DrawFn, model: dict[str, Any], max_edits: int = 3) -> dict[str, Any]:
    """A copy of ``model`` with up to ``max_edits`` edits, normalized."""
    model = copy.deepcopy(model)
    for _ in range(draw(st.integers(1 if max_edits else 0, max_edits))):
        nodes = _walk(model)
        kind = draw(st.sampled_from(["leaf", "leaf", "member", "array", "array"]))
        leaves = [(p, v) for p, v in nodes if p and not isinstance(v, (dict, list))]
        arrays = [(p, v) for p, v in nodes if isinstance(v, list)]
        if kind == "leaf" and leaves:
            path, value = draw(st.sampled_from(leaves))
            parent = model
            for part in path[:-1]:
                parent = parent[part]
            parent[path[-1]] = draw(_leaf_edits(value))
            event(f"edit: leaf {type(value).__name__}")
        elif kind == "array" and arrays:
            path, items = draw(st.sampled_from(arrays))
            event(f"edit: {_edit_array(draw, path[-1] if path else '', items)}")
        else:
            _, node = draw(st.sampled_from([(p, v) for p, v in nodes if isinstance(v, dict)]))
            if node and draw(st.booleans()):
                del node[draw(st.sampled_from(sorted(node)))]
                event("edit: remove member")
            else:
                node[draw(st.one_of(MEMBERS, st.sampled_from(sorted(node) or ["x"]).map(str.swapcase)))] = \
                    draw(NEW_VALUES)
                event("edit: add member")
    return canonical(model)


def _report(before: dict[str, Any], after: dict[str, Any]) -> None:
    ops = check_pair(before, after)
    event(f"operations: {min(len(ops), 5)}{'+' if len(ops) >= 5 else ''}")
    event(f"keyed-array operations: {any('[' in op.display_path for op in ops)}")
    event(f"undecided operations: {any(op.undecided for op in ops)}")


SETTINGS = settings(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow,
                                                                            HealthCheck.data_too_large])


@settings(SETTINGS, max_examples=3)
@given(data=st.data())
@pytest.mark.parametrize("name", corpus_cases(CORPUS_FILES))
def test_corpus_models_against_edited_copies_agree_with_deepdiff(name: str, data: st.DataObject) -> None:
    models = models_of(CORPUS / name)  # no corpus: no parameters, nothing runs
    if not models:
        pytest.skip("no scale set in this file")
    model = data.draw(st.sampled_from(models))
    _report(model, data.draw(edited(model)))


#: The real-world templates the tests own (tests/realworld), each with its parameters files.
REALWORLD_SOURCES = sorted((TESTS / "realworld").glob("*/*/SOURCE.json"))


@cache
def realworld_models(source: Path) -> tuple[dict[str, Any], ...]:
    entry = json.loads(source.read_text(encoding="utf-8"))
    root = source.parent.parent.parent
    files = entry["parameters"] + ([entry["test_parameters"]] if entry.get("test_parameters") else [])
    parameters = [parameters_from_file(load_document(str(root / name)).data, str(root / name)) for name in files]
    doc = load_document(str(root / entry["template"]))
    base_dir, read_linked = Reader().linked_templates(doc)
    sources = resolve_template(doc.data, doc.path, parameters, DeploymentScope(), base_dir=base_dir,
                               read_linked=read_linked).scale_sets
    return tuple(normalize(source, doc.kind).model for source in sources)


@settings(SETTINGS, max_examples=3)
@given(data=st.data())
@pytest.mark.parametrize("source", REALWORLD_SOURCES, ids=[p.parent.relative_to(TESTS).as_posix()
                                                           for p in REALWORLD_SOURCES])
def test_realworld_models_against_edited_copies_agree_with_deepdiff(source: Path, data: st.DataObject) -> None:
    models = realworld_models(source)
    if not models:
        pytest.skip("its scale sets cannot be seen offline (VAL046)")
    for model in models:  # against itself: nothing changes, but what differs at each deployment
        assert [op for op in check_pair(model, model) if not op.undecided] == []
    model = data.draw(st.sampled_from(models))
    _report(model, data.draw(edited(model)))


#: Real models to edit: the repository's examples (always there), and when the corpus is
#: present a few of its richest (several NICs, pools, data disks, extensions).
BASE_FILES = ["rest-examples/2024-03-01/VirtualMachineScaleSet_Update_MaximumSet_Gen.json",
              "rest-examples/2021-03-01/CreateAScaleSetWithVMsInDifferentZones.json",
              "templates/servicefabric-5-vm-ubuntu-1-nodetypes-secure/azuredeploy.json",
              "templates/vmss-ubuntu-web-ssl/azuredeploy.json",
              "templates/darktrace-vsensor-autoscaling/azuredeploy.json"]


@cache
def base_models() -> list[dict[str, Any]]:
    models = [m for p in sorted(EXAMPLES.glob("*/current.json")) for m in models_of(p)]
    models = [m for i, m in enumerate(models) if m not in models[:i]]
    if CORPUS.is_dir():
        models += [m for name in BASE_FILES if (CORPUS / name).is_file() for m in models_of(CORPUS / name)]
    return models


@settings(SETTINGS, max_examples=200)
@given(data=st.data())
def test_edited_pairs_of_real_models_agree_with_deepdiff(data: st.DataObject) -> None:
    """Both sides edited from one real model: the differences meet in the same arrays."""
    base = data.draw(st.sampled_from(base_models()))
    before = data.draw(edited(base, max_edits=2))
    after = data.draw(edited(base, max_edits=4))
    _report(before, after)
