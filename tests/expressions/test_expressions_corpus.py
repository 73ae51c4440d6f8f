"""Real templates from the shared corpus: every expression parses, evaluation never crashes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vmssplan.expressions import (
    AZURE_CLOUD_ENVIRONMENT,
    MISSING,
    EvaluationContext,
    ExpressionError,
    evaluate_value,
    is_expression,
    make_deployment,
    make_resource_group,
    make_subscription,
    parse,
    user_functions_from_template,
)


def _corpus() -> Path | None:
    """``../shared/corpus`` beside the repository (as tests/conftest.py finds it), if there."""
    candidate = Path(__file__).resolve().parents[3] / "shared" / "corpus"
    return candidate if (candidate / "templates").is_dir() else None


CORPUS = _corpus()
pytestmark = pytest.mark.skipif(CORPUS is None, reason="shared corpus not available")


def _strip_comments(text: str) -> str:
    out: list[str] = []
    position, length, in_string = 0, len(text), False
    while position < length:
        char = text[position]
        if in_string:
            out.append(char)
            if char == "\\" and position + 1 < length:
                out.append(text[position + 1])
                position += 2
                continue
            in_string = char != '"'
            position += 1
        elif char == '"':
            in_string = True
            out.append(char)
            position += 1
        elif text.startswith("//", position):
            end = text.find("\n", position)
            position = length if end < 0 else end
        elif text.startswith("/*", position):
            end = text.find("*/", position)
            position = length if end < 0 else end + 2
        else:
            out.append(char)
            position += 1
    return "".join(out)


def _templates() -> list[tuple[str, dict[str, Any]]]:
    if CORPUS is None:
        return []
    found = []
    for path in sorted((CORPUS / "templates").rglob("*.json")):
        try:
            document = json.loads(_strip_comments(path.read_text(encoding="utf-8-sig")))
        except ValueError:
            continue
        if isinstance(document, dict) and "resources" in document:
            found.append((str(path.relative_to(CORPUS)), document))
    return found


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)


TEMPLATES = _templates()
#: One case per template; without the corpus one case, which pytestmark skips with its reason (an
#: empty parameter set is a collection error, see pyproject.toml).
CASES = [pytest.param(name, template, id=name) for name, template in TEMPLATES] or [pytest.param("", {}, id="none")]


def test_corpus_is_not_empty() -> None:
    assert len(TEMPLATES) > 20


@pytest.mark.parametrize(("name", "template"), CASES)
def test_every_expression_parses(name: str, template: dict[str, Any]) -> None:
    for text in _strings(template):
        if is_expression(text):
            parse(text)


def _placeholder(definition: Any) -> Any:
    kind = str(definition.get("type", "string")).lower() if isinstance(definition, dict) else "string"
    return {"int": 2, "bool": True, "array": [], "object": {}, "secureobject": {}}.get(kind, "placeholder")


@pytest.mark.parametrize(("name", "template"), CASES)
def test_evaluation_never_crashes(name: str, template: dict[str, Any]) -> None:
    parameters = template.get("parameters") or {}
    holder: dict[str, EvaluationContext] = {}

    def resolve(parameter: str) -> Any:
        for key, definition in parameters.items():
            if key.lower() == parameter.lower():
                if isinstance(definition, dict) and "defaultValue" in definition:
                    return evaluate_value(definition["defaultValue"], holder["ctx"])
                return _placeholder(definition)
        return MISSING

    subscription = "00000000-0000-0000-0000-000000000000"
    holder["ctx"] = context = EvaluationContext(
        parameters=resolve,
        variables=template.get("variables") or {},
        functions=user_functions_from_template(template.get("functions")),
        subscription=make_subscription(subscription),
        resource_group=make_resource_group(subscription, "rg", location="westeurope"),
        deployment=make_deployment("main"),
        environment=AZURE_CLOUD_ENVIRONMENT,
        max_steps=5_000_000,
    )
    resources = template["resources"]
    for resource in resources.values() if isinstance(resources, dict) else resources:
        if not isinstance(resource, dict):
            continue
        loop = resource.get("copy")
        resource_ctx = (
            context.with_copy_index(loop["name"], 0, current=True)
            if isinstance(loop, dict) and isinstance(loop.get("name"), str)
            else context
        )
        for key in ("name", "location", "sku", "tags", "properties"):
            if key in resource:
                try:
                    evaluate_value(resource[key], resource_ctx)
                except ExpressionError as error:  # placeholders make some real errors; never a crash
                    assert not error.internal, str(error)


def test_vmss_names_of_a_known_template_evaluate() -> None:
    template = next((t for name, t in TEMPLATES if name.endswith("vmss-windows-autoscale/azuredeploy.json")), None)
    if template is None:
        pytest.skip("template not in this corpus")
    context = EvaluationContext(
        parameters={
            "vmssName": "web",
            "instanceCount": 2,
            "adminUsername": "a",
            "adminPassword": "p",
            "vmSku": "Standard_D2s_v3",
        },
        variables=template.get("variables") or {},
        subscription=make_subscription("s"),
        resource_group=make_resource_group("s", "rg", location="westeurope"),
    )
    for resource in template["resources"]:
        if resource["type"].lower() == "microsoft.compute/virtualmachinescalesets":
            try:
                assert evaluate_value(resource["name"], context) == "web"
            except ExpressionError as error:
                pytest.skip(f"template expects other parameters: {error}")
