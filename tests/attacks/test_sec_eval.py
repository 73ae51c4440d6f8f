"""Attack suite, issue 14 findings 2, 6 and 7 (the evaluation part): secrecy follows the value,
one evaluation budget for the whole run, bounded number parsing, no internal error from a number.

Each test names the attack and the criterion a secure build meets. The attacker writes the
template of a pull request; the runner passes a secret with ``-p`` (or a parameters file).
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest

from clihelp import run_cli
from conftest import EXAMPLES

#: Every output format of `plan` (the oracle must not show in any of them).
PLAN_FORMATS = ("text", "json", "sarif", "markdown", "github", "junit", "patch")

SECRET = "hunter2-Sentinel"
OTHER = "Other'-Sentinel-9"


def _base() -> dict[str, Any]:
    """The example template, with a securestring parameter ``pw`` the attacker may read."""
    template = json.loads((EXAMPLES / "template-parameters" / "current.json").read_text(encoding="utf-8"))
    template["parameters"]["pw"] = {"type": "securestring"}
    template["parameters"]["adminPassword"]["defaultValue"] = ""
    return template


def _vmss(template: dict[str, Any]) -> dict[str, Any]:
    return template["resources"][0]


def _run_all(tmp_path: Path, proposed: dict[str, Any], secret: str, formats: tuple[str, ...] = PLAN_FORMATS,
             extra: tuple[str, ...] = ()) -> list[str]:
    """plan (every format) and validate of ``proposed`` against the base, the secret given with -p."""
    (tmp_path / "current.json").write_text(json.dumps(_base(), indent=1), encoding="utf-8")
    (tmp_path / "proposed.json").write_text(json.dumps(proposed, indent=1), encoding="utf-8")
    params = ("-p", "vmssName=web-vmss", "-p", f"pw={secret}", *extra)
    outputs = []
    for fmt in formats:
        run = run_cli("plan", "current.json", "proposed.json", *params, "-o", fmt, cwd=tmp_path)
        assert run.code in (0, 1), run.err
        outputs.append(run.out + run.err)
    run = run_cli("validate", "proposed.json", *params, cwd=tmp_path)
    assert run.code in (0, 1), run.err
    outputs.append(run.out + run.err)
    return outputs


def _assert_no_oracle(tmp_path: Path, proposed: dict[str, Any], formats: tuple[str, ...] = PLAN_FORMATS) -> str:
    """The criterion of every secrecy attack: the output is the same whatever the secret is,
    and holds no piece of it. Returns the text output."""
    first = _run_all(tmp_path, proposed, SECRET, formats)
    second = _run_all(tmp_path, proposed, OTHER, formats)
    for one, two in zip(first, second, strict=True):
        assert one == two, "the output depends on the value of the secret: the plan is an oracle"
        for piece in ("hunter2", "Sentinel", "HUNTER2", "SENTINEL", "Other'"):
            assert piece not in one
    return first[0]


def test_a_condition_computed_from_a_secret_does_not_decide_which_scale_sets_appear(tmp_path: Path) -> None:
    """Attack: scale sets whose `condition` tests the secret (one per guess) spell the secret
    in the names of the scale sets created. Criterion: a condition that depends on a secure
    value is not evaluated (unknown, "depends on a secure value"): same plan whatever the secret."""
    proposed = _base()
    for guess in ("h", "O", "x"):
        extra = copy.deepcopy(_vmss(proposed))
        extra["name"] = f"guess-{guess}"
        extra["condition"] = f"[equals(substring(parameters('pw'), 0, 1), '{guess}')]"
        proposed["resources"].append(extra)
    text = _assert_no_oracle(tmp_path, proposed)
    assert "depends on a secure value" in text


def test_a_copy_count_computed_from_a_secret_does_not_leak_its_length(tmp_path: Path) -> None:
    """Attack: a copy loop of scale sets counted by `length(parameters('pw'))` (or a data-disk
    property copy counted so) shows the secret's length. Criterion: the count is unknown
    ("depends on a secure value"), the plan the same whatever the secret."""
    proposed = _base()
    extra = copy.deepcopy(_vmss(proposed))
    extra["name"] = "[concat('copy-', copyIndex())]"
    extra["copy"] = {"name": "leak", "count": "[length(parameters('pw'))]"}
    proposed["resources"].append(extra)
    _vmss(proposed)["properties"]["virtualMachineProfile"]["storageProfile"]["copy"] = [{
        "name": "dataDisks", "count": "[sub(length(parameters('pw')), 10)]",
        "input": {"lun": "[copyIndex('dataDisks')]", "createOption": "Empty", "diskSizeGB": 8}}]
    text = _assert_no_oracle(tmp_path, proposed, ("text", "json"))
    assert "depends on a secure value" in text


def test_an_if_test_on_a_secret_decides_nothing_visible(tmp_path: Path) -> None:
    """Attack: `if()`, `and()`, `or()` tests on the secret choose between a branch that fails
    (a finding appears) and one that does not, or choose a property name, a linked template,
    a copy count through `variables()`. Criterion: a test that depends on a secure value is
    not evaluated: the same findings and plan whatever the secret."""
    proposed = _base()
    proposed["variables"]["n"] = "[if(startsWith(parameters('pw'), 'h'), 2, 0)]"
    vmss = _vmss(proposed)
    vmss["tags"] = {
        "t1": "[if(startsWith(parameters('pw'), 'h'), int('not a number'), 'ok')]",
        "t2": "[string(and(startsWith(parameters('pw'), 'O'), greater(int('x'), 1)))]",
        "t3": "[string(or(startsWith(parameters('pw'), 'O'), greater(int('x'), 1)))]",
        "[if(startsWith(parameters('pw'), 'h'), 'yes', 'no')]": "key",
    }
    extra = copy.deepcopy(vmss)
    extra["name"] = "[concat('v-', copyIndex())]"
    extra["copy"] = {"name": "c", "count": "[variables('n')]"}
    proposed["resources"].append(extra)
    _assert_no_oracle(tmp_path, proposed, ("text", "json"))


def test_a_secret_passed_on_to_a_plain_parameter_stays_secret(tmp_path: Path) -> None:
    """Attack: launder the secret through a plain `string` parameter: the default value of
    another parameter, or a nested deployment's parameter (inner scope), then print it in a
    tag (transformed, so no scrub of known secrets can find it). Criterion: a parameter whose
    value is derived from a secret is secret too: never shown."""
    proposed = _base()
    proposed["parameters"]["derived"] = {"type": "string", "defaultValue": "[toUpper(parameters('pw'))]",
                                         "allowedValues": ["A", "B"]}
    _vmss(proposed)["tags"] = {"a": "[parameters('derived')]", "b": "[parameters('derived')]"}
    inner = copy.deepcopy(_base())
    inner["parameters"] = {"plain": {"type": "string"}, "vmssName": {"type": "string"}}
    _vmss(inner)["name"] = "inner-vmss"
    _vmss(inner)["tags"] = {"leak": "[parameters('plain')]", "leak2": "[base64(parameters('plain'))]"}
    _vmss(inner)["properties"]["virtualMachineProfile"]["osProfile"]["adminPassword"] = "x"
    proposed["resources"].append({
        "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "nested",
        "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                       "parameters": {"plain": {"value": "[toUpper(parameters('pw'))]"},
                                      "vmssName": {"value": "inner-vmss"}},
                       "template": inner}})
    text = _assert_no_oracle(tmp_path, proposed)
    assert "(sensitive value)" in text


@pytest.mark.parametrize("expression", [
    "[int(parameters('pw'))]",
    "[float(parameters('pw'))]",
    "[dateTimeAdd(parameters('pw'), 'PT1H')]",
    "[dateTimeAdd('2020-01-01', parameters('pw'))]",
    "[uri(parameters('pw'), 'x')]",
    "[variables(parameters('pw'))]",
    "[parameters(concat('x', parameters('pw')))]",
    "[json(parameters('pw'))]",
    "[bool(parameters('pw'))]",
    "[createObject('a', 1)[parameters('pw')]]",
    "[createArray(1, 2)[length(parameters('pw'))]]",
    "[format('{0:' , parameters('pw'), '}', 1)]",
    "[substring(parameters('pw'), 0, 300)]",
])
def test_error_messages_never_quote_a_secret(tmp_path: Path, expression: str) -> None:
    """Attack: a secret containing `'` defeats masking by regex over the message text: the
    errors of `int()`, `float()`, `dateTimeAdd()`, `uri()`, `variables()`, `parameters()`...
    quote it. Criterion: a message about a value derived from a secret never holds its text, in
    any format; it says "(a secure value)"."""
    proposed = _base()
    _vmss(proposed)["tags"] = {"t": expression}
    outputs = _run_all(tmp_path, proposed, OTHER, ("text", "json", "sarif", "github"))
    for text in outputs:
        for piece in ("Sentinel", "SENTINEL", "Other", "OTHER", "-9"):
            assert piece not in text, text
    # Whether an expression over a secret fails would tell something of it: not reported.
    assert "VAL040" not in outputs[-1]


def test_the_secret_of_a_key_vault_reference_stays_concealed(tmp_path: Path) -> None:
    """Attack: a value known only at deployment (a Key Vault reference) combined with a known
    secret keeps the known part of it as text (a residual with parts). Criterion: an unknown
    derived from a secret keeps no text (concealed) on every path: values, reasons, messages."""
    proposed = _base()
    _vmss(proposed)["tags"] = {"t": "[concat(parameters('pw'), '-', parameters('adminPassword'))]",
                               "u": "[concat(parameters('pw'), reference('x').y)]"}
    _vmss(proposed)["properties"]["virtualMachineProfile"]["storageProfile"]["copy"] = [{
        "name": "dataDisks", "count": "[length(concat(parameters('pw'), reference('x').y))]",
        "input": {"lun": "[copyIndex('dataDisks')]", "createOption": "Empty", "diskSizeGB": 8}}]
    (tmp_path / "kv.parameters.json").write_text(json.dumps({"parameters": {"adminPassword": {"reference": {
        "keyVault": {"id": "/subscriptions/x/resourceGroups/r/providers/Microsoft.KeyVault/vaults/v"},
        "secretName": "s"}}}}), encoding="utf-8")
    outputs = _run_all(tmp_path, proposed, SECRET, ("text", "json"), ("-p", "@kv.parameters.json"))
    for text in outputs:
        assert "hunter2" not in text and "Sentinel" not in text


# --------------------------------------------------------------------------- bounds (finding 6, 7)


def _nested_fan_out(levels: int, count: int, leaf: dict[str, Any]) -> dict[str, Any]:
    """A template whose every level deploys ``count`` copies of the next: count**levels
    deployments from a few hundred bytes."""
    template = leaf
    for level in range(levels):
        properties: dict[str, Any] = {"mode": "Incremental", "template": template}
        if level == 0:
            properties["expressionEvaluationOptions"] = {"scope": "inner"}
            properties["parameters"] = {"vmssName": {"value": "[concat('s', copyIndex())]"}, "pw": {"value": "x"}}
        template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                    "contentVersion": "1.0.0.0", "resources": [{
                        "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
                        "name": "[concat('d', copyIndex())]", "copy": {"name": "c", "count": count},
                        "properties": properties}]}
    return template


def test_one_evaluation_budget_for_all_nested_deployments(tmp_path: Path) -> None:
    """Attack: each nested deployment got a fresh evaluation budget, so a small template of
    nested copy loops (800 x 800 deployments, each evaluating a costly expression) ran for
    minutes and took gigabytes. Criterion: one budget (steps and text built) for the whole
    template, nested deployments included: a located VAL041 finding within seconds."""
    leaf = _base()
    _vmss(leaf)["tags"] = {"t": "[uniqueString(string(range(0, 5000)))]"}
    template = _nested_fan_out(2, 800, leaf)
    (tmp_path / "t.json").write_text(json.dumps(template), encoding="utf-8")
    assert len(json.dumps(template)) < 5000
    start = time.monotonic()
    run = run_cli("validate", "t.json", "-p", "vmssName=x", cwd=tmp_path)
    elapsed = time.monotonic() - start
    assert run.code == 1 and "VAL041" in run.out, run.out + run.err
    assert "budget" in run.out
    assert elapsed < 60


def test_text_built_by_expressions_is_bounded_for_the_whole_template(tmp_path: Path) -> None:
    """Attack: every copy of a nested deployment builds a string of 4 MB (the per-string
    limit), so memory grows with the number of copies (a 2.4 KB template reached 2.4 GB).
    Criterion: the text built by all expressions of a template is bounded: VAL041, quickly."""
    leaf = _base()
    _vmss(leaf)["tags"] = {"big": "[padLeft('x', 4000000, '0')]"}
    template = _nested_fan_out(2, 800, leaf)
    (tmp_path / "t.json").write_text(json.dumps(template), encoding="utf-8")
    start = time.monotonic()
    run = run_cli("validate", "t.json", "-p", "vmssName=x", cwd=tmp_path)
    assert run.code == 1 and "VAL041" in run.out, run.out + run.err
    assert time.monotonic() - start < 60


def test_float_parses_long_numbers_in_linear_time(tmp_path: Path) -> None:
    """Attack: `float()` of 40,000 digits followed by a letter took 25 s (a quadratic regex).
    Criterion: linear-time parsing: well under a second per call, a clear VAL040."""
    template = _base()
    _vmss(template)["tags"] = {"f": "[string(float(concat(padLeft('', 40000, '1'), 'x')))]",
                               "g": "[string(float(concat(padLeft('', 40000, '1'), '.5e')))]"}
    (tmp_path / "t.json").write_text(json.dumps(template), encoding="utf-8")
    start = time.monotonic()
    run = run_cli("validate", "t.json", "-p", "vmssName=x", cwd=tmp_path)
    assert run.code == 1 and "VAL040" in run.out and "is not a number" in run.out
    assert time.monotonic() - start < 5


@pytest.mark.parametrize("expression", [
    "[int(padLeft('', 5000, '7'))]",
    "[json(padLeft('', 5000, '7'))]",
    "[format(concat('{', padLeft('', 5000, '7'), '}'), 'a')]",
    "[format(concat('{0,', padLeft('', 5000, '7'), '}'), 'a')]",
])
def test_a_number_of_thousands_of_digits_is_an_expression_error(tmp_path: Path, expression: str) -> None:
    """Attack: `int()` of a string of more than 4,300 digits was an "internal error while
    evaluating" (Python's integer-string limit). Criterion: a clear expression error (VAL040),
    exit 1, never "internal error"."""
    template = _base()
    _vmss(template)["tags"] = {"n": expression}
    (tmp_path / "t.json").write_text(json.dumps(template), encoding="utf-8")
    run = run_cli("validate", "t.json", "-p", "vmssName=x", cwd=tmp_path)
    assert run.code == 1 and "VAL040" in run.out, run.out + run.err
    assert "internal error" not in run.out + run.err


@pytest.mark.parametrize("expression", ["[json('1e999')]", "[json('[-1e999]')]", "[float('1e999')]",
                                        "[string(json('{\"a\": 1e400}'))]"])
def test_a_non_finite_number_is_the_same_error_in_every_format(tmp_path: Path, expression: str) -> None:
    """Attack: `json('1e999')` showed `Infinity` in text but `null` in JSON. Criterion: ARM's
    JSON has no infinity: an expression error ("not a finite number", VAL040) in every format,
    and every format shows the value the same way: known only after deployment."""
    template = _base()
    _vmss(template)["tags"] = {"n": expression}
    (tmp_path / "current.json").write_text(json.dumps(_base()), encoding="utf-8")
    (tmp_path / "proposed.json").write_text(json.dumps(template), encoding="utf-8")
    for fmt in PLAN_FORMATS:
        run = run_cli("plan", "current.json", "proposed.json", "-p", "vmssName=x", "-p", "pw=abcd", "-o", fmt,
                      cwd=tmp_path)
        assert run.code == 1, run.out + run.err
        assert "Infinity" not in run.out and "1e+999" not in run.out
        assert fmt == "patch" or "not a finite number" in run.out, run.out  # (a patch holds no findings)
        if fmt == "json":
            change = next(c for c in json.loads(run.out)["scale_sets"][0]["changes"] if c["path"] == "/tags")
            assert change["after"] == {"n": "(known after deployment)"}
        if fmt == "text":
            assert '+ tags: {"n": "(known after deployment)"}' in run.out


# --------------------------------------------------------------------------- the evaluator itself


def _secret_context(**changes: Any) -> Any:
    from vmssplan import expressions as ex

    functions = ex.user_functions_from_template([{"namespace": "f", "members": {
        "pick": {"parameters": [{"name": "s", "type": "string"}],
                 "output": {"type": "string", "value": "[if(startsWith(parameters('s'), 'h'), 'yes', 'no')]"}},
        "fails": {"parameters": [{"name": "s", "type": "string"}],
                  "output": {"type": "int", "value": "[int(parameters('s'))]"}}}}])
    fields: dict[str, Any] = {"parameters": {"pw": SECRET, "plain": "abc"}, "secret_parameters": {"pw"},
                              "variables": {"hunter2-Sentinel": "[int('x')]", "other": 1}, "functions": functions}
    return ex.EvaluationContext(**{**fields, **changes})


@pytest.mark.parametrize("expression", [
    "[if(startsWith(parameters('pw'), 'h'), 'yes', 'no')]",
    "[and(startsWith(parameters('pw'), 'h'), true())]",
    "[or(startsWith(parameters('pw'), 'x'), false())]",
    "[f.pick(parameters('pw'))]",
    "[map(createArray(parameters('pw')), lambda('x', if(startsWith(lambdaVariables('x'), 'h'), 1, 2)))[0]]",
])
def test_a_test_on_a_secret_is_not_evaluated(expression: str) -> None:
    """Attack: `if`/`and`/`or`/`coalesce`, in a user-defined function whose plain parameter is
    given a secret, or in a lambda over a secret, choose a value by the secret. Criterion: the
    result is unknown, derived from a secret (concealed: no text), "depends on a secure value"."""
    from vmssplan import expressions as ex

    value = ex.evaluate(expression, _secret_context())
    assert ex.is_unknown(value) and value.secret and ex.SECURE_REASON in value.reason
    assert "hunter2" not in value.expression and value.render() == ex.KNOWN_AFTER_DEPLOYMENT


@pytest.mark.parametrize("expression", [
    "[variables(parameters('pw'))]",  # names a variable that fails: the trail would name it
    "[f.fails(parameters('pw'))]",
    "[createObject(parameters('pw'), 1).nothing]",
])
def test_an_error_about_a_secret_says_nothing_of_it(expression: str) -> None:
    """Attack: a secret names a definition that fails (the trail quotes its name), or is the key
    of an object whose properties an error lists. Criterion: the error is concealed: it names
    neither the secret nor what it chose, and says "(a secure value)"."""
    from vmssplan import expressions as ex

    with pytest.raises(ex.ExpressionError) as caught:
        ex.evaluate(expression, _secret_context())
    assert "hunter2" not in str(caught.value) and "(a secure value)" in str(caught.value)
    assert not caught.value.internal


def test_coalesce_after_a_secret_reaches_nothing_that_fails() -> None:
    """Attack: `coalesce(secret, int('x'))` fails only when the secret is null, so the finding
    tells whether it is. Criterion: arguments after one computed from a secret are evaluated
    without their errors surfacing; the secret's own value is kept (it is secret-marked)."""
    from vmssplan import expressions as ex

    ctx = _secret_context(parameters={"pw": None, "plain": "abc"})
    assert ex.evaluate("[coalesce(parameters('pw'), int('x'), 'y')]", ctx) == "y"
    value, secret = ex.evaluate_value_and_secrecy("[coalesce(parameters('pw'), int('x'))]", _secret_context())
    assert value == SECRET and secret
    with pytest.raises(ex.ExpressionError, match="is not an integer"):  # not vacuous: a plain null fails
        ex.evaluate("[coalesce(null(), int('x'))]", _secret_context())


def test_a_plain_value_is_still_evaluated_and_its_errors_are_shown() -> None:
    """Not vacuous: the same expressions over a plain parameter are evaluated, and their errors
    quote the value."""
    from vmssplan import expressions as ex

    assert ex.evaluate("[if(startsWith(parameters('plain'), 'a'), 'yes', 'no')]", _secret_context()) == "yes"
    assert ex.evaluate("[f.pick(parameters('plain'))]", _secret_context()) == "no"
    with pytest.raises(ex.ExpressionError, match="'abc' is not an integer"):
        ex.evaluate("[int(parameters('plain'))]", _secret_context())


def test_one_budget_is_shared_by_contexts_given_it() -> None:
    """Criterion (finding 6): contexts given one EvaluationBudget spend it together; the step
    count of one context is the budget's."""
    from vmssplan import expressions as ex

    budget = ex.EvaluationBudget(max_steps=15_000)
    first, second = ex.EvaluationContext(budget=budget), ex.EvaluationContext(budget=budget)
    ex.evaluate("[length(range(0, 10000))]", first)
    with pytest.raises(ex.EvaluationLimitError, match="budget"):
        ex.evaluate("[length(range(0, 10000))]", second)
    assert second.steps_used == budget.steps > 15_000


def test_one_evaluation_budget_for_the_whole_run(tmp_path: Path) -> None:
    """Attack: each template of a run (the two sides of a plan, the files given to validate)
    got a budget of its own, so a run could spend it once per file. Criterion: one budget
    for the whole run: two templates that each spend 60% of it exhaust it together (VAL041),
    while either alone is within it."""
    from vmssplan.engine import RunConfig, validate_files
    from vmssplan.expressions import DEFAULT_STEP_BUDGET

    template = _base()
    # Tags that each build a range of 10,000 items (ARM's most): together about 60% of the budget.
    tags = int(DEFAULT_STEP_BUDGET * 0.6) // 10_000
    _vmss(template)["tags"] = {f"t{i}": f"[length(string(range({i}, 10000)))]" for i in range(tags)}
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text(json.dumps(template), encoding="utf-8")
    options = RunConfig(parameters=("vmssName=x",))
    alone = validate_files([str(tmp_path / "a.json")], options)
    assert "VAL041" not in {f.rule for f in alone.findings}
    together = validate_files([str(tmp_path / "a.json"), str(tmp_path / "b.json")], options)
    assert "VAL041" in {f.rule for f in together.findings}


def test_whether_an_expression_over_a_secret_fails_or_how_long_it_runs_tells_nothing(tmp_path: Path) -> None:
    """Attack: an error or the work of an expression could depend on the secret: substring()
    past its end fails only for a short secret, and a range sized by its length costs work in
    proportion. Criterion: a number or a truth computed from a secret is not known offline, and
    an expression that fails on a secret is not reported; the output is the same for a short
    and a long secret, in every format."""
    proposed = _base()
    _vmss(proposed)["tags"] = {
        "cut": "[substring(parameters('pw'), 0, 12)]",
        "work": "[string(length(range(0, length(parameters('pw')))))]",
        "has": "[string(contains(parameters('pw'), 'x'))]",
    }
    short = _run_all(tmp_path, proposed, "short")
    long = _run_all(tmp_path, proposed, "a-much-longer-secret-x")
    assert short == long
    assert all("VAL040" not in output for output in short)
