#!/usr/bin/env python3
"""Learn the values Azure fills into a scale set when a PUT leaves them out, from the REST
examples of the official API specification, and write ``schemas/service-defaults.json``.

    python scripts/learn_service_defaults.py            # write schemas/service-defaults.json
    python scripts/learn_service_defaults.py --check    # exit 1 if the committed file differs
    python scripts/learn_service_defaults.py --corpus DIR

Where the input comes from
--------------------------
``<corpus>/rest-examples/<apiVersion>/*.json`` are examples of Azure/azure-rest-api-specs
(MIT; commit and hashes in ``<corpus>/PROVENANCE.md``). An example holds a request
(``parameters``) and the responses (``responses.<code>.body``). Which operation an example
belongs to is read from the swagger of the same apiVersion (``<corpus>/schemas/swagger``,
``x-ms-examples``): only the examples of ``VirtualMachineScaleSets_CreateOrUpdate`` (a PUT of
the whole model) are pairs of "what was sent" and "what the service holds". A PATCH body is
partial (what it leaves out is kept, not defaulted) and a VM update is not a scale set, so
those are listed as not used.

How a default is recognised
---------------------------
Both bodies are brought to vmssplan's canonical shape (``vmssplan.normalize``: REST
envelope and spelling, read-only fields dropped, keyed arrays in key order). Every scalar
the response holds where the request has nothing is a *candidate* (a value inside an array
item counts only when the request has the same item, matched by key; a whole added item
is not a default). A candidate ``(path, value)`` becomes a default only when the evidence
is consistent: in every pair where the request leaves the path out (and its array items
exist on both sides), the response has it, always with the same value. When that fails
without a condition, the conditions of :data:`CONDITIONS` are tried (the OS, the number of
zones): a default may hold for one kind of scale set only. A condition is evaluated with
vmssplan's condition language on both bodies of a pair; the pair counts only when it holds
on both. Of the conditions that make the evidence consistent, the one the most examples
support wins (one that happens to pick a few agreeing examples must not), and its
complement too when the evidence under it is consistent (another value). If the evidence
comes only from Uniform scale sets, the default is restricted to Uniform ones (nothing was
seen of Flexible ones). What is not consistent
under any condition is listed under ``left_out`` with the reason, as are values that name
other resources (ids, URIs, the examples' ``{placeholders}``): those are facts of one
deployment, never defaults.

What is written
---------------
``defaults``: one entry per default: ``path`` (an RFC 6901 pointer into the canonical
model, ``*`` for any array item, the syntax of the rule files), ``value``, ``when`` (a
condition, absent if none), ``since`` (the oldest apiVersion among the examples that show
it: the corpus holds a few versions only, so the service may have filled it earlier),
``api_versions`` and ``evidence`` (the example files, relative to the corpus). Then
``left_out`` and the examples used and not used. The file is deterministic (sorted, one
run gives the bytes of the next); ``tests/test_service_defaults.py`` checks the committed
file is what this script derives from the corpus.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from vmssplan import conditions, normalize, shape  # noqa: E402
from vmssplan.model import DocumentKind, ScaleSetSource  # noqa: E402
from vmssplan.pointer import join, split  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
OUTPUT = REPO / "schemas" / "service-defaults.json"
PUT_OPERATION = "VirtualMachineScaleSets_CreateOrUpdate"

_WINDOWS_CONFIGURATION = "/properties/virtualMachineProfile/osProfile/windowsConfiguration"
_LINUX_CONFIGURATION = "/properties/virtualMachineProfile/osProfile/linuxConfiguration"

#: Conditions a default may depend on, tried when the evidence without one is not
#: consistent: (label, condition in vmssplan's condition language).
CONDITIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("Windows (no linuxConfiguration)", {"not": {"exists": _LINUX_CONFIGURATION}}),
    ("Linux (no windowsConfiguration)", {"not": {"exists": _WINDOWS_CONFIGURATION}}),
    ("no zones or one zone", {"count": {"pointer": "/zones", "op": "<=", "value": 1}}),
    ("more than one zone", {"count": {"pointer": "/zones", "op": ">", "value": 1}}),
)
#: Each condition's complement: a default found under one may hold another value under the other.
COMPLEMENT = {"Windows (no linuxConfiguration)": "Linux (no windowsConfiguration)",
              "Linux (no windowsConfiguration)": "Windows (no linuxConfiguration)",
              "no zones or one zone": "more than one zone", "more than one zone": "no zones or one zone"}
#: Evidence only from scale sets of this orchestration mode restricts a default to it.
UNIFORM = {"equals": {"pointer": "/properties/orchestrationMode", "values": [None, "Uniform"]}}
FLEXIBLE = {"equals": {"pointer": "/properties/orchestrationMode", "values": ["Flexible"]}}

#: Paths the response fills that are no service default, and why.
NOT_DEFAULTS = {
    "/name": "the scale set's name is in the request URL, not the body; vmssplan pairs a PUT body "
             "without a name with the one scale set on the other side",
}


@dataclass
class Pair:
    """One request body and one response body of a PUT example, canonical."""

    file: str  # relative to the corpus
    code: str
    api_version: str
    request: dict[str, Any]
    response: dict[str, Any]


@dataclass
class Candidate:
    values: list[tuple[Any, str]] = field(default_factory=list)  # (value, file)


# --- reading the corpus ----------------------------------------------------------------


def canonical(body: dict[str, Any], file: str) -> dict[str, Any]:
    """``body`` in vmssplan's canonical shape, without service defaults."""
    source = ScaleSetSource(name="example", resource=body, file=file)
    return normalize.normalize(source, DocumentKind.REST_MODEL).model


def operations(corpus: Path) -> dict[tuple[str, str], str]:
    """(apiVersion, example file name) -> operationId, from the swaggers' x-ms-examples."""
    found: dict[tuple[str, str], str] = {}
    for swagger in sorted((corpus / "schemas" / "swagger").glob("*/*.json")):
        api_version = swagger.parent.name
        spec = json.loads(swagger.read_text(encoding="utf-8-sig"))
        for ops in spec.get("paths", {}).values():
            for op in ops.values():
                if not isinstance(op, dict):
                    continue
                for ref in op.get("x-ms-examples", {}).values():
                    name = str(ref.get("$ref", "")).rsplit("/", 1)[-1]
                    found.setdefault((api_version, name), str(op.get("operationId")))
    return found


def read_pairs(corpus: Path) -> tuple[list[Pair], list[dict[str, str]]]:
    """The PUT pairs of the corpus, and the examples with a request body that are not one."""
    ops = operations(corpus)
    pairs: list[Pair] = []
    unused: list[dict[str, str]] = []
    for path in sorted((corpus / "rest-examples").glob("*/*.json")):
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        body = data.get("parameters", {}).get("parameters")
        if not isinstance(body, dict):
            continue  # a GET: no request body
        rel = path.relative_to(corpus).as_posix()
        api_version = path.parent.name
        operation = ops.get((api_version, path.name), "unknown (no swagger of this apiVersion names it)")
        if operation != PUT_OPERATION:
            unused.append({"file": rel, "operation": operation})
            continue
        for code, response in sorted(data.get("responses", {}).items()):
            if isinstance(response, dict) and isinstance(response.get("body"), dict):
                pairs.append(Pair(rel, code, api_version, canonical(body, rel), canonical(response["body"], rel)))
    return pairs, unused


# --- walking two models side by side -------------------------------------------------


def counterpart(container: Any, array_name: str, item: Any, index: int, other: Any) -> tuple[bool, Any]:
    """The item of the array ``other`` that corresponds to ``item`` of ``container``: the
    one with the same key in a keyed array, else the one at the same index when both arrays
    are as long (that is how the differ compares them)."""
    if not isinstance(other, list):
        return False, None
    key = shape.item_key(array_name, item)
    if key is not None:
        for candidate in other:
            if shape.item_key(array_name, candidate) == key:
                return True, candidate
        return False, None
    if len(other) == len(container) and index < len(other):
        return True, other[index]
    return False, None


def scalar_leaves(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every value of ``node`` that is not an object or an array of objects, with its path."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from scalar_leaves(value, path + (key,))
    elif isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
        for i, value in enumerate(node):
            yield from scalar_leaves(value, path + (str(i),))
    else:
        yield path, node


def resolve_path(model: Any, other: Any, path: tuple[str, ...]) -> tuple[bool, Any]:
    """Follow ``path`` (concrete, of ``model``) in ``other``, matching array items by key:
    (whether every array item on the way has a counterpart, the value there or None)."""
    node, there, parent_name = model, other, ""
    for token in path:
        if isinstance(node, list):
            index = int(token)
            found, there = counterpart(node, parent_name, node[index], index, there)
            if not found:
                return False, None
            node = node[index]
        else:
            parent_name = token
            node = node[token]
            there = there.get(token) if isinstance(there, dict) else None
    return True, there


def pattern_of(path: tuple[str, ...], model: Any) -> str:
    """The pattern of a concrete path: array indexes become ``*``."""
    out, node = [], model
    for token in path:
        out.append("*" if isinstance(node, list) else token)
        node = node[int(token)] if isinstance(node, list) else node[token]
    return join(tuple(out))


# --- learning ------------------------------------------------------------------------


def candidates(pairs: list[Pair]) -> dict[str, Candidate]:
    """Every (pattern -> values seen) the responses fill where the requests say nothing."""
    found: dict[str, Candidate] = {}
    for pair in pairs:
        for path, value in scalar_leaves(pair.response):
            matched, there = resolve_path(pair.response, pair.request, path)
            if matched and there is None:
                found.setdefault(pattern_of(path, pair.response), Candidate()).values.append((value, pair.file))
    return found


def holds(condition: dict[str, Any] | None, model: dict[str, Any]) -> bool:
    return condition is None or conditions.evaluate(condition, conditions.Subject.of_model(model)) is True


def slots(pair: Pair, pattern: tuple[str, ...]) -> Iterator[tuple[Any, Any]]:
    """(the request's value, the response's value) at every place ``pattern`` can be in
    both bodies: below the array items the two share (matched by key)."""
    anchor = max((i for i, t in enumerate(pattern) if t == "*"), default=-1) + 1
    prefix, rest = pattern[:anchor], pattern[anchor:]
    for tokens, complete, _ in conditions.walk(pair.response, prefix) if prefix else [((), True, pair.response)]:
        if not complete:
            continue
        matched, request_item = resolve_path(pair.response, pair.request, tokens)
        if not matched or (prefix and request_item is None):
            continue
        response_item = pair.response
        for token in tokens:
            response_item = response_item[int(token)] if isinstance(response_item, list) else response_item[token]
        yield (conditions.lookup(request_item, rest)[1], conditions.lookup(response_item, rest)[1])


@dataclass
class Verdict:
    value: Any = None
    files: set[str] = field(default_factory=set)
    api_versions: set[str] = field(default_factory=set)
    modes: set[str] = field(default_factory=set)
    problem: str = ""


def judge(pairs: list[Pair], pattern: str, condition: dict[str, Any] | None) -> Verdict:
    """Whether ``pattern`` has one default under ``condition``, and the evidence."""
    tokens = split(pattern)
    verdict = Verdict()
    values: list[Any] = []
    for pair in pairs:
        if not (holds(condition, pair.request) and holds(condition, pair.response)):
            continue
        for sent, held in slots(pair, tokens):
            if sent is not None:
                continue  # the request says it: no evidence about a default
            if held is None:
                verdict.problem = f"{pair.file} ({pair.code}): the response leaves it out too"
                return verdict
            if values and not shape.same_value(tokens, values[0], held):
                verdict.problem = f"{pair.file} ({pair.code}): {json.dumps(held)}, elsewhere {json.dumps(values[0])}"
                return verdict
            values.append(held)
            verdict.files.add(pair.file)
            verdict.api_versions.add(pair.api_version)
            mode = pair.response.get("properties", {}).get("orchestrationMode", "Uniform")
            verdict.modes.add(str(mode).lower())
    if not values:
        verdict.problem = "no pair in which the request leaves it out"
        return verdict
    verdict.value = values[0]
    return verdict


def names_a_resource(value: Any) -> bool:
    """A value that names something of one deployment (an id, a URI, a placeholder)."""
    return isinstance(value, str) and ("/" in value or "{" in value or "://" in value)


def entry(pattern: str, verdict: Verdict, condition: dict[str, Any] | None) -> dict[str, Any]:
    """The data of one default: evidence only from one orchestration mode restricts it to that mode."""
    when = condition
    if verdict.modes == {"uniform"}:
        when = UNIFORM if when is None else {"all": [when, UNIFORM]}
    elif verdict.modes == {"flexible"}:
        when = FLEXIBLE if when is None else {"all": [when, FLEXIBLE]}
    out: dict[str, Any] = {"path": pattern, "value": verdict.value}
    if when is not None:
        out["when"] = when
    return out | {"since": min(verdict.api_versions), "api_versions": sorted(verdict.api_versions),
                  "evidence": sorted(verdict.files)}


def learn(corpus: Path) -> dict[str, Any]:
    pairs, unused = read_pairs(corpus)
    defaults: list[dict[str, Any]] = []
    left_out: list[dict[str, Any]] = []
    for pattern, candidate in sorted(candidates(pairs).items()):
        files = sorted({file for _, file in candidate.values})
        if pattern in NOT_DEFAULTS:
            left_out.append({"path": pattern, "why": NOT_DEFAULTS[pattern], "evidence": files})
            continue
        if any(names_a_resource(value) for value, _ in candidate.values):
            left_out.append({"path": pattern, "why": "the value names another resource or a placeholder of the "
                             "example: a fact of one deployment, not a default", "evidence": files})
            continue
        verdict = judge(pairs, pattern, None)
        found = [(verdict, None)]
        if verdict.problem:
            # The condition under which the most examples agree wins (one that happens to pick a
            # few agreeing examples must not); its complement may hold another value.
            judged = {label: judge(pairs, pattern, c) for label, c in CONDITIONS}
            consistent = [label for label, _ in CONDITIONS if not judged[label].problem]
            if not consistent:
                labels = ", ".join(label for label, _ in CONDITIONS)
                left_out.append({"path": pattern, "why": f"not consistent: {verdict.problem}; none of the "
                                 f"conditions ({labels}) makes it so", "evidence": files})
                continue
            best = max(consistent, key=lambda label: len(judged[label].files))
            found = [(judged[best], best)]
            if COMPLEMENT[best] in consistent:
                found.append((judged[COMPLEMENT[best]], COMPLEMENT[best]))
        for verdict, label in found:
            defaults.append(entry(pattern, verdict, dict(CONDITIONS)[label] if label else None))
    return {
        "description": "Values Azure fills into a scale set when a PUT leaves them out, learned from the REST "
                       "examples of Azure/azure-rest-api-specs (request vs response of every PUT example). "
                       "Generated by scripts/learn_service_defaults.py; do not edit by hand.",
        "source": "Azure/azure-rest-api-specs examples (MIT), see the corpus PROVENANCE.md",
        "defaults": defaults,
        "left_out": left_out,
        "pairs": sorted({f"{p.file} ({p.code})" for p in pairs}),
        "not_used": unused,
    }


def render(corpus: Path) -> str:
    return json.dumps(learn(corpus), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the shared corpus directory")
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is out of date")
    args = parser.parse_args(argv)
    text = render(args.corpus)
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.is_file() else ""
        if current != text:
            print(f"{OUTPUT.relative_to(REPO)} is out of date: run python scripts/learn_service_defaults.py")
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    data = json.loads(text)
    print(f"wrote {OUTPUT.relative_to(REPO)}: {len(data['defaults'])} defaults from {len(data['pairs'])} pairs, "
          f"{len(data['left_out'])} left out")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
