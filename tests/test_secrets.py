"""Secrets never reach any output: sentinel values in, none out."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from clihelp import run_cli
from conftest import EXAMPLES

PLAN_FORMATS = ("text", "json", "sarif", "markdown", "github", "junit", "patch", "azure-devops")
FINDINGS_FORMATS = ("text", "json", "sarif", "markdown", "github", "junit", "azure-devops")
SENTINELS = ["S3ntinel-Password-1", "S3ntinel-Password-2", "c2VudGluZWwtY3VzdG9tLWRhdGE=", "sentinel-custom-2",
             "S3ntinel-Protected-1", "S3ntinel-Protected-2"]


def _with_secrets(model: dict, password: str, custom: str, protected: str) -> dict:
    model = copy.deepcopy(model)
    os_profile = model["properties"]["virtualMachineProfile"]["osProfile"]
    os_profile["adminPassword"] = password
    os_profile["customData"] = custom
    for ext in model["properties"]["virtualMachineProfile"]["extensionProfile"]["extensions"]:
        ext["properties"]["protectedSettings"] = {"commandToExecute": protected, "storageAccountKey": protected}
    return model


def test_no_sentinel_in_any_output(tmp_path: Path) -> None:
    base = json.loads((EXAMPLES / "os-image-version" / "proposed.json").read_text(encoding="utf-8"))
    current = _with_secrets(base, SENTINELS[0], SENTINELS[2], SENTINELS[4])
    proposed = _with_secrets(base, SENTINELS[1], SENTINELS[3], SENTINELS[5])
    proposed["properties"]["virtualMachineProfile"]["osProfile"]["adminPassword"] = 12345  # schema error path
    (tmp_path / "current.json").write_text(json.dumps(current), encoding="utf-8")
    (tmp_path / "proposed.json").write_text(json.dumps(proposed), encoding="utf-8")
    broken = json.dumps(proposed)[:-40]
    (tmp_path / "broken.json").write_text(broken, encoding="utf-8")
    runs = []
    for fmt in PLAN_FORMATS:
        runs.append(run_cli("plan", "current.json", "proposed.json", "-o", fmt, cwd=tmp_path))
        runs.append(run_cli("plan", "proposed.json", "current.json", "-o", fmt, cwd=tmp_path))
        if fmt in FINDINGS_FORMATS:
            runs.append(run_cli("validate", "current.json", "proposed.json", "broken.json", "-o", fmt,
                                cwd=tmp_path))
        runs.append(run_cli("plan", "current.json", "broken.json", "-o", fmt, cwd=tmp_path))
    plan = json.loads(runs[4].out)  # the first JSON plan
    # --output-file is scrubbed like standard output, and so is a --query result.
    written = run_cli("plan", "current.json", "proposed.json", "-o", "markdown", "--output-file", "plan.md",
                      cwd=tmp_path)
    runs.append(type(written)(written.code, (tmp_path / "plan.md").read_text(encoding="utf-8"), written.err))
    runs.append(run_cli("plan", "current.json", "proposed.json", "--query",
                        "scale_sets[0].changes[?sensitive]", cwd=tmp_path))
    changes = plan["scale_sets"][0]["changes"]
    secret_changes = [c for c in changes if c["sensitive"]]
    assert secret_changes, "the secrets did change, and the plan says so"
    assert all(c["before"] in ("(sensitive value)", None) or "(sensitive value)" in json.dumps(c["before"])
               for c in secret_changes)
    for run in runs:
        for sentinel in SENTINELS:
            assert sentinel not in run.out and sentinel not in run.err


def test_secure_parameters_never_reach_output_even_through_plain_properties(tmp_path: Path) -> None:
    import shutil

    example = EXAMPLES / "template-parameters"
    template = json.loads((example / "current.json").read_text(encoding="utf-8"))
    template["parameters"]["tagSecret"] = {"type": "securestring"}
    template["parameters"]["blob"] = {"type": "secureObject"}
    resource = template["resources"][0]
    resource["tags"] = {"leak": "[parameters('tagSecret')]", "obj": "[string(parameters('blob'))]",
                        "derived": "[toUpper(base64(parameters('tagSecret')))]"}
    for side, secret in (("current", "Tag-Sentinel-111"), ("proposed", "Tag-Sentinel-222")):
        (tmp_path / f"{side}.json").write_text(json.dumps(template), encoding="utf-8")
        params = json.loads((example / f"{side}.parameters.json").read_text(encoding="utf-8"))
        params["parameters"]["tagSecret"] = {"value": secret}
        params["parameters"]["blob"] = {"value": {"key": secret + "-obj"}}
        params["parameters"]["adminPassword"] = {"value": secret + "-pw"}
        (tmp_path / f"{side}.parameters.json").write_text(json.dumps(params), encoding="utf-8")
    outputs = []
    for fmt in PLAN_FORMATS:
        run = run_cli("plan", "current.json", "proposed.json", "-o", fmt, cwd=tmp_path)
        outputs.append(run.out + run.err)
    for fmt in FINDINGS_FORMATS:
        run = run_cli("validate", "current.json", "proposed.json", "current.parameters.json", "-o", fmt,
                      cwd=tmp_path)
        outputs.append(run.out + run.err)
    assert "(sensitive value)" in outputs[0]  # the tag did change, and the plan says so
    import base64

    derived = [base64.b64encode(f"Tag-Sentinel-{n}".encode()).decode().upper() for n in (111, 222)]
    for text in outputs:
        assert "Tag-Sentinel" not in text and "TAG-SENTINEL" not in text
        assert not any(d in text for d in derived)
    shutil.rmtree(tmp_path)


def test_expression_errors_never_quote_a_value_computed_from_a_secret(tmp_path: Path) -> None:
    example = EXAMPLES / "template-parameters"
    template = json.loads((example / "current.json").read_text(encoding="utf-8"))
    template["resources"][0]["properties"]["overprovision"] = "[int(toUpper(parameters('adminPassword')))]"
    (tmp_path / "t.json").write_text(json.dumps(template, indent=1), encoding="utf-8")
    params = json.loads((example / "current.parameters.json").read_text(encoding="utf-8"))
    params["parameters"]["adminPassword"] = {"value": "sentinel-pw-77"}
    (tmp_path / "t.parameters.json").write_text(json.dumps(params), encoding="utf-8")
    for args in (("plan", "t.json", "t.json"), ("validate", "t.json"), ("plan", "t.json", "t.json", "-o", "sarif")):
        run = run_cli(*args, cwd=tmp_path)
        # Whether it fails would tell something of the secret: the value is not known offline,
        # and no finding says it failed (ARM does, at deployment).
        assert "VAL040" not in run.out + run.err and "Traceback" not in run.err
        assert "sentinel-pw-77" not in run.out + run.err and "SENTINEL-PW-77" not in run.out + run.err


def test_a_short_placeholder_password_does_not_blank_out_ordinary_words(tmp_path: Path) -> None:
    base = json.loads((EXAMPLES / "os-image-version" / "proposed.json").read_text(encoding="utf-8"))
    model = _with_secrets(base, "string", "c3RyaW5n", "string")
    model["properties"]["overprovision"] = "true"  # a VAL022 warning: "'true' is a string, ..."
    model["tags"]["owner"] = "string"  # the secret copied into a plain value: still masked
    (tmp_path / "m.json").write_text(json.dumps(model), encoding="utf-8")
    run = run_cli("validate", "m.json", cwd=tmp_path)
    assert "is a string" in run.out
    plan = run_cli("plan", str(EXAMPLES / "os-image-version" / "current.json"), "m.json", "-o", "json", cwd=tmp_path)
    tag = next(c for c in json.loads(plan.out)["scale_sets"][0]["changes"] if c["path"] == "/tags/owner")
    assert tag["after"] == "(sensitive value)"


def test_secret_values_are_collected_even_when_the_key_is_escaped(tmp_path: Path) -> None:
    """The scrubber's list of secret values skips documents that cannot hold a secret key;
    a key spelled with a \\u escape still counts."""
    from vmssplan.inputs.reader import Reader

    plain, escaped, none = tmp_path / "plain.json", tmp_path / "escaped.json", tmp_path / "none.json"
    plain.write_text('{"osProfile": {"adminPassword": "S3ntinel-Password-1"}}', encoding="utf-8")
    escaped.write_text('{"osProfile": {"admin\\u0050assword": "S3ntinel-Password-2"}}', encoding="utf-8")
    none.write_text('{"osProfile": {"adminUsername": "azureuser"}}', encoding="utf-8")
    reader = Reader()
    for path in (plain, escaped, none):
        reader.read(str(path))
    assert reader.secrets == {"S3ntinel-Password-1", "S3ntinel-Password-2"}


def _secrets_by_walk(value: object, secret: bool = False) -> set[str]:
    """The reference: every string of 4+ characters below a secret key, by plain recursion."""
    from vmssplan import shape

    if isinstance(value, dict):
        return set().union(*(_secrets_by_walk(v, secret or k in shape.SECRET_KEYS) for k, v in value.items()))
    if isinstance(value, list):
        return set().union(*(_secrets_by_walk(v, secret) for v in value))
    return {value} if secret and isinstance(value, str) and len(value) >= 4 else set()


def test_secret_values_are_all_collected() -> None:
    from conftest import CORPUS
    from vmssplan.secrets import collect as secrets_in

    nested = {"a": [{"adminPassword": "S3ntinel-1", "x": {"customData": ["abc", "S3ntinel-2", {"k": "S3ntinel-3"}]}}],
              "protectedSettings": {"protectedSettings": "S3ntinel-4"}, "b": "not-a-secret"}
    assert secrets_in(nested) == {"S3ntinel-1", "S3ntinel-2", "S3ntinel-3", "S3ntinel-4"}
    documents = [json.loads(p.read_text(encoding="utf-8-sig")) for p in sorted(EXAMPLES.glob("*/*.json"))]
    if CORPUS.is_dir():
        for path in sorted(CORPUS.glob("templates/*/*.json")):
            try:
                documents.append(json.loads(path.read_text(encoding="utf-8-sig")))
            except ValueError:
                continue  # a file with comments: the loader's business, not this test's
    assert len(documents) > 30
    # Not vacuous: enough of them hold secrets (the examples alone hold four).
    assert sum(bool(secrets_in(d)) for d in documents) > (5 if CORPUS.is_dir() else 3)
    for document in documents:
        assert secrets_in(document) == _secrets_by_walk(document)


def test_a_document_with_comments_has_its_secrets_collected() -> None:
    from vmssplan.inputs.documents import parse_document
    from vmssplan.secrets import collect as secrets_in

    text = ('{"osProfile": {"adminPassword": /* set by the pipeline */ "S3ntinel-Password-1",\n'
            '  // "customData": "old-commented-out-value",\n'
            '  "customData": ["S3ntinel-Custom-1" /* base64 */]}}')
    assert secrets_in(parse_document(text, "x.json").data) == {"S3ntinel-Password-1", "S3ntinel-Custom-1"}
