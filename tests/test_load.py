"""Loading: JSON dialects ARM accepts, located parse errors, kind detection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vmssplan.inputs.documents import load_document, parse_document, scale_sets_of, strip_comments
from vmssplan.model import DocumentError, DocumentKind, UsageError
from vmssplan.pointer import child

TEMPLATE = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [
        {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "vnet"},
        {"type": "Microsoft.Compute/virtualMachineScaleSets", "apiVersion": "2024-03-01", "name": "a",
         "location": "westeurope", "sku": {"name": "Standard_D2s_v5", "capacity": 2}, "properties": {}},
    ],
}


def test_comments_bom_and_crlf_load(tmp_path: Path) -> None:
    text = ('\ufeff{\r\n  // a line comment\r\n  "name": "x", /* a block\r\n comment */ '
            '"properties": {"upgradePolicy": {"mode": "Manual"}},\r\n  "url": "https://example.com/a//b"\r\n}\r\n')
    path = tmp_path / "model.json"
    path.write_bytes(text.encode("utf-8"))
    doc = load_document(str(path))
    assert doc.data["url"] == "https://example.com/a//b"
    assert doc.kind is DocumentKind.REST_MODEL
    assert doc.position("/properties") == (4, 13)


def test_comment_stripping_keeps_offsets() -> None:
    text = '{"a": "/* not a comment */", // gone\n"b": 1}'
    stripped = strip_comments(text)
    assert len(stripped) == len(text)
    assert json.loads(stripped) == {"a": "/* not a comment */", "b": 1}


@pytest.mark.parametrize("text,line,column,needle", [
    ('{\n  "a": 1,\n  "b": \n}', 4, 1, "Expecting value"),
    ('{"a": [1, 2}', 1, 12, "Expecting"),
    ('{"a": NaN}', 1, 7, "NaN"),
    ('', 1, 1, "Expecting value"),
])
def test_parse_errors_are_located(text: str, line: int, column: int, needle: str) -> None:
    with pytest.raises(DocumentError) as info:
        parse_document(text, "bad.json")
    finding = info.value.findings[0]
    assert (finding.file, finding.line, finding.column) == ("bad.json", line, column)
    assert needle in finding.message


def test_not_utf8_is_a_located_finding(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{\n "name": "caf\xe9"}')
    with pytest.raises(DocumentError) as info:
        load_document(str(path))
    assert (info.value.findings[0].line, info.value.findings[0].column) == (2, 14)


def test_utf16_with_bom_loads(tmp_path: Path) -> None:
    path = tmp_path / "utf16.json"
    path.write_bytes('{"name": "x", "properties": {"virtualMachineProfile": {}}}'.encode("utf-16"))
    assert load_document(str(path)).kind is DocumentKind.REST_MODEL


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        load_document(str(tmp_path / "nope.json"))


@pytest.mark.parametrize("data,kind", [
    (TEMPLATE, DocumentKind.ARM_TEMPLATE),
    ({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
      "contentVersion": "1.0.0.0", "parameters": {}}, DocumentKind.ARM_PARAMETERS),
    ({"name": "a", "properties": {"virtualMachineProfile": {}}}, DocumentKind.REST_MODEL),
    ({"name": "a", "resourceGroup": "rg", "virtualMachineProfile": {}, "upgradePolicy": {}}, DocumentKind.AZ_MODEL),
    ([{"name": "a", "type": "Microsoft.Compute/virtualMachineScaleSets", "properties": {}}], DocumentKind.MODEL_LIST),
    ({"value": [{"instanceId": "0", "latestModelApplied": True}]}, DocumentKind.INSTANCE_LIST),
    ({"hello": "world"}, DocumentKind.UNKNOWN),
    ([1, 2], DocumentKind.UNKNOWN),
    ("text", DocumentKind.UNKNOWN),
])
def test_kind_detection(data: object, kind: DocumentKind) -> None:
    assert parse_document(json.dumps(data), "x.json").kind is kind


def test_template_scale_sets_are_found_with_pointers() -> None:
    nested = {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner",
              "properties": {"mode": "Incremental", "template": TEMPLATE}}
    doc = parse_document(json.dumps({**TEMPLATE, "resources": [*TEMPLATE["resources"], nested]}), "t.json")
    found = scale_sets_of(doc)
    assert [(s.name, s.pointer, s.api_version) for s in found] == [
        ("a", "/resources/1", "2024-03-01"),
        ("a", "/resources/2/properties/template/resources/1", "2024-03-01"),
    ]


def test_symbolic_name_template() -> None:
    doc = parse_document(json.dumps({**TEMPLATE, "languageVersion": "2.0",
                                     "resources": {"web": TEMPLATE["resources"][1]}}), "t.json")
    assert [s.pointer for s in scale_sets_of(doc)] == ["/resources/web"]


def test_template_without_scale_set_is_a_located_finding() -> None:
    doc = parse_document(json.dumps({**TEMPLATE, "resources": [TEMPLATE["resources"][0]]}, indent=1), "t.json")
    with pytest.raises(DocumentError) as info:
        scale_sets_of(doc)
    finding = info.value.findings[0]
    assert finding.rule == "VAL003" and finding.line == 4


@pytest.mark.parametrize("data,needle", [
    ({"hello": "world"}, "expected an ARM template"),
    ({"$schema": "x/deploymentParameters.json#", "parameters": {}}, "--parameters"),
    ({"value": [{"instanceId": "0", "latestModelApplied": True}]}, "--instances"),
])
def test_unplannable_documents_say_why(data: object, needle: str) -> None:
    with pytest.raises(DocumentError, match=needle):
        scale_sets_of(parse_document(json.dumps(data), "x.json"))


def test_positions_of_nested_nodes() -> None:
    text = '{\n  "a": {"b": [1, {"c": 2}]},\n  "d": "x"\n}'
    doc = parse_document(text, "x.json")
    assert doc.position("/a/b/1/c") == (2, 19)
    assert doc.position("/d") == (3, 3)
    assert doc.position("/a/missing/deeper") == doc.position("/a")


def _reference_offsets(text: str) -> dict[str, tuple[int, int]]:
    """Pointer -> (key or item offset, value offset) by a plain tokenizer over valid JSON."""
    import re

    token = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]]|[^\s{}\[\]:,"]+')
    found: dict[str, tuple[int, int]] = {}
    stack: list[list[object]] = []  # [pointer, is an object, next index, pending key and its offset]
    for match in token.finditer(text):
        tok, at = match.group(0), match.start()
        if tok in "]}":
            stack.pop()
            continue
        frame = stack[-1] if stack else None
        if frame is not None and frame[1] and frame[3] is None:
            frame[3] = (json.loads(tok), at)
            continue
        if frame is None:
            pointer, key_at = "", at
        elif frame[1]:
            (key, key_at), frame[3] = frame[3], None  # type: ignore[misc]
            pointer = child(str(frame[0]), key)
        else:
            pointer, key_at, frame[2] = f"{frame[0]}/{frame[2]}", at, frame[2] + 1  # type: ignore[operator]
        found[pointer] = (key_at, at)
        if tok in "[{":
            stack.append([pointer, tok == "{", 0, None])
    return found


def _line_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


@pytest.mark.parametrize("indent", [None, 2, "\t"])
def test_every_node_is_located_in_a_large_document(indent: object) -> None:
    """Many lines and long lines; keys with escapes; flat and nested containers, empty ones,
    numbers of every shape."""
    item = {"name": "vm", "a/b": {"~t": [1, -2.5e-3, True, None, [], {}], "é\"\\": "x\\\"y"},
            "props": {"list": [[1, [2, {"deep": [3]}]], {"k": "v" * 5000}], "n": 0}}
    data = [item] * 30 + [{"tail": [[[], [{}]]]}]
    text = json.dumps(data, indent=indent, ensure_ascii=False)  # type: ignore[arg-type]
    doc = parse_document(text.replace("\n", "\r\n"), "x.json") if indent == 2 else parse_document(text, "x.json")
    reference = _reference_offsets(doc.text)
    assert len(reference) > 600
    for pointer, (key_at, value_at) in reference.items():
        assert doc.position(pointer) == _line_column(doc.text, key_at), pointer
        assert doc._positions is not None
        assert doc._positions.locate(pointer, value=True) == _line_column(doc.text, value_at), pointer


@pytest.mark.parametrize("text,expected", [
    ('{"a": 1 // c\n, "b": [2]}', {"/a": ((1, 2), (1, 7)), "/b": ((2, 3), (2, 8)), "/b/0": ((2, 9), (2, 9))}),
    ('{"a": /* c */ [1, 2], "b": 3}', {"/a": ((1, 2), (1, 15)), "/a/1": ((1, 19), (1, 19)), "/b": ((1, 23), (1, 28))}),
    ('// head\n/* block\n */ ["x" /* , */, {"k" /* c */ : // d\n  [1]}]',
     {"": ((3, 5), (3, 5)), "/0": ((3, 6), (3, 6)), "/1/k": ((3, 20), (4, 3)), "/1/k/0": ((4, 4), (4, 4)),
      "/1/x": ((3, 19), (3, 19))}),
    ('{"a\\u002fb": {"t\\"il~de": [0]}, "\\u00e9": 1}', {'/a~1b/t"il~0de/0': ((1, 28), (1, 28)),
                                                       "/é": ((1, 33), (1, 43))}),
])
def test_positions_around_comments_and_escapes(text: str, expected: dict[str, tuple[tuple[int, int], ...]]) -> None:
    doc = parse_document(text, "x.json")
    for pointer, (key, value) in expected.items():
        assert doc.position(pointer) == key, pointer
        assert doc._positions is not None
        assert doc._positions.locate(pointer, value=True) == value, pointer
