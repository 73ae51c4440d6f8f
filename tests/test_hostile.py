"""Hostile and broken input: every case runs the real CLI and ends in a message located at
file:line:column and a documented exit code, never a traceback, a hang or unbounded memory.

The small templates and rule files are in ``tests/hostile/``; big, deep and oddly encoded
inputs are generated here, into ``tmp_path`` (nothing of 30 MB is committed).

Bounds these tests hold vmssplan to (vmssplan/inputs/documents.py): a document is at most 32 MiB
(MAX_DOCUMENT_BYTES) and 4 million values (MAX_VALUES), nested at most 256 levels
(MAX_DEPTH); memory above start-up stays under 10x the input for a 30 MB document.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clihelp import Run, run_cli
from conftest import EXAMPLES

HOSTILE = Path(__file__).resolve().parent / "hostile"
MODEL = json.loads((EXAMPLES / "os-image-version" / "current.json").read_text())


# --- helpers ---------------------------------------------------------------------------


def assert_no_traceback(run: Run) -> None:
    output = run.out + run.err
    assert "Traceback" not in output, output[-3000:]
    assert "internal error" not in output, output[-3000:]


def assert_located(run: Run, file: str, line: int, column: int, needle: str) -> None:
    """A finding line ``file:line:column: ...`` that contains ``needle``."""
    assert_no_traceback(run)
    prefix = f"{file}:{line}:{column}: "
    lines = [x for x in (run.out + run.err).splitlines() if x.startswith(prefix)]
    assert any(needle in x for x in lines), f"no {prefix}...{needle!r} in:\n{run.out}\n{run.err}"


def located_anywhere(run: Run, file: str, needle: str) -> tuple[int, int]:
    """(line, column) of the first finding about ``file`` that contains ``needle``."""
    assert_no_traceback(run)
    for text in (run.out + run.err).splitlines():
        match = re.match(rf"{re.escape(file)}:(\d+):(\d+): .*", text)
        if match and needle in text:
            return int(match.group(1)), int(match.group(2))
    raise AssertionError(f"no {file}:LINE:COLUMN ...{needle!r} in:\n{run.out}\n{run.err}")


def position(text: str, needle: str, nth: int = 1) -> tuple[int, int]:
    """1-based (line, column) of the nth occurrence of ``needle`` in ``text``."""
    offset = -1
    for _ in range(nth):
        offset = text.index(needle, offset + 1)
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


# Measured processes are started by a tiny one: a child of pytest would inherit pytest's
# resident size as its peak RSS (fork copies it; the high-water mark survives exec).
_SPAWNER = r"""
import json, os, signal, sys, time
out, timeout, argv = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
start = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ)
while True:
    done, status, usage = os.wait4(pid, os.WNOHANG)
    if done:
        break
    if time.perf_counter() - start > timeout:
        os.kill(pid, signal.SIGKILL)
        done, status, usage = os.wait4(pid, 0)
        break
    time.sleep(0.01)
with open(out, "w") as fh:
    json.dump({"seconds": time.perf_counter() - start, "rss": usage.ru_maxrss * 1024,
               "code": os.waitstatus_to_exitcode(status)}, fh)
"""


def run_measured(*args: str, cwd: Path, timeout: float = 60) -> tuple[Run, float, int]:
    """Run the CLI; return its result, wall time (s) and peak RSS (bytes) of that process alone."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("VMSSPLAN_DEBUG", None)
    out_path, err_path, report = cwd / ".stdout", cwd / ".stderr", cwd / ".report"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        subprocess.run([sys.executable, "-S", "-c", _SPAWNER, str(report), str(timeout), sys.executable, "-m",
                        "vmssplan", *args], cwd=cwd, stdout=out, stderr=err, env=env, check=True)
    measured = json.loads(report.read_text())
    assert measured["seconds"] < timeout, f"vmssplan {' '.join(args)[:200]} ran for more than {timeout} s"
    run = Run(measured["code"], out_path.read_text(errors="replace"), err_path.read_text(errors="replace"))
    return run, measured["seconds"], measured["rss"]


def model_text(**changes: object) -> str:
    return json.dumps({**MODEL, **changes}, indent=2)


# --- syntax, encodings, values ---------------------------------------------------------

TRUNCATED = '{\n  "name": "web",\n  "properties": {\n    "virtualMachineProfile": {}\n'

# (id, bytes, line, column, message fragment): `vmssplan validate` exits 1 with the finding.
BROKEN: list[tuple[str, bytes, int, int, str]] = [
    ("truncated", TRUNCATED.encode(), 5, 1, "invalid JSON: Expecting ',' delimiter"),
    ("truncated-string", b'{"name": "web', 1, 10, "Unterminated string"),
    ("empty", b"", 1, 1, "Expecting value"),
    ("only-a-comment", b"// nothing here\n", 2, 1, "Expecting value"),
    ("unterminated-comment", b'{"name": "web" /* to the end', 1, 29, "Expecting"),
    ("error-after-comments", b'{\n  // a comment: "quoted"\n  /* block\n  */ "a": 1,\n  "b": ]\n}', 5, 8,
     "Expecting value"),
    ("trailing-comma", b'{"name": "web",\n "properties": {},\n}', 3, 1, "Expecting property name"),
    ("single-quotes", b"{'name': 'web'}", 1, 2, "Expecting property name"),
    ("nan", b'{"name": "web",\n "properties": {"x": NaN}}', 2, 22, "NaN is not valid JSON"),
    ("infinity", b'{"properties": {"x": Infinity}}', 1, 22, "Infinity is not valid JSON"),
    ("minus-infinity", b'{"properties": {"x": [1, -Infinity]}}', 1, 26, "-Infinity is not valid JSON"),
    ("1e400", b'{"name": "web",\n "sku": {"capacity": 1e400}}', 2, 22, "number 1e400 is out of range"),
    ("minus-1e400", b'{"sku": {"capacity": -1.5E+400}}', 1, 22, "out of range (it would be infinity)"),
    ("huge-integer", b'{"sku": {"capacity": ' + b"9" * 5000 + b"}}", 1, 22, "an integer of more than"),
    ("nan-after-comment", b'// c\n{"a": "NaN", "b": NaN}', 2, 19, "NaN is not valid JSON"),
    ("not-utf8", b'{\n "name": "caf\xe9"}', 2, 14, "not UTF-8 text: invalid byte 0xe9"),
    ("utf16-without-bom", '{"name": "web"}'.encode("utf-16-le"), 1, 2, "UTF-16 without a byte order mark"),
    ("lone-surrogate", b'{"name": "web",\n "tags": {"env": "\\ud800"}}', 2, 18, "lone UTF-16 surrogate"),
    ("lone-surrogate-key", b'{"name": "web",\n "tags": {"\\udfff": "x"}}', 2, 11, "lone UTF-16 surrogate"),
    ("duplicate-key", b'{"name": "web",\n "sku": {"capacity": 2, "capacity": 3}}', 2, 25, 'duplicate key "capacity"'),
    ("duplicate-key-top", b'{"name": "web",\n "name": "web2"}', 2, 2, "first at line 1, column 2"),
    ("utf8-bom-then-error", b'\xef\xbb\xbf{"name": "web",\n "sku": {"capacity": }}', 2, 22, "Expecting value"),
    ("crlf-then-error", b'{\r\n  "name": "web",\r\n  "sku": {"capacity": NaN}\r\n}\r\n', 3, 23,
     "NaN is not valid JSON"),
    ("utf16-then-error", '\ufeff{\r\n  "name": "web",\r\n  "sku": {"capacity": ]\r\n}'.encode("utf-16-le"), 3, 23,
     "Expecting value"),
    ("utf16-be-then-error", b"\xfe\xff" + '{\n  "name": "web",\n  "sku": {"capacity": ,}\n}'.encode("utf-16-be"), 3, 23,
     "Expecting value"),
]


@pytest.mark.parametrize("name,data,line,column,needle", BROKEN, ids=[c[0] for c in BROKEN])
def test_broken_documents_are_located_findings(tmp_path: Path, name: str, data: bytes, line: int, column: int,
                                               needle: str) -> None:
    (tmp_path / "doc.json").write_bytes(data)
    run = run_cli("validate", "doc.json", cwd=tmp_path)
    assert run.code == 1, run.out + run.err
    assert_located(run, "doc.json", line, column, needle)
    # The plan reports the same finding, and no plan.
    plan = run_cli("plan", str(EXAMPLES / "os-image-version" / "current.json"), "doc.json", cwd=tmp_path)
    assert plan.code == 1
    assert_located(plan, "doc.json", line, column, needle)


def test_broken_standard_input_is_located() -> None:
    run = run_cli("validate", "-", stdin='{\n  "name": "web",\n  "sku": {"capacity": NaN}\n}')
    assert run.code == 1
    assert_located(run, "<stdin>", 3, 23, "NaN is not valid JSON")


ROOTS = ["[1, 2]", '"text"', "42", "null", "true", "{}", "[]", '{"hello": "world"}']


@pytest.mark.parametrize("text", ROOTS)
def test_wrong_root_types_say_what_was_expected(tmp_path: Path, text: str) -> None:
    (tmp_path / "doc.json").write_text(text)
    run = run_cli("plan", "doc.json", "doc.json", cwd=tmp_path)
    assert run.code == 1, run.out + run.err
    assert_located(run, "doc.json", 1, 1, "cannot plan this document: expected an ARM template")
    # validate passes over JSON that is not a scale-set document (pre-commit hands it any
    # file whose name looks like one), with a located note saying so (VAL004).
    run = run_cli("validate", "doc.json", cwd=tmp_path)
    assert run.code == 0, run.out + run.err
    assert_located(run, "doc.json", 1, 1, "not an ARM template, parameters file or scale-set model")


# ARM accepts a UTF-8 BOM, UTF-16 with a BOM and CRLF line ends: these load and plan.
ENCODINGS = {
    "utf8-bom": lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
    "utf16-le-bom": lambda text: b"\xff\xfe" + text.encode("utf-16-le"),
    "utf16-be-bom": lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
    "crlf": lambda text: text.replace("\n", "\r\n").encode("utf-8"),
    "crlf-bom-comments": lambda text: b"\xef\xbb\xbf" + ("// current model\n" + text.replace(
        '"properties": {', '"properties": { /* the envelope */', 1)).replace("\n", "\r\n").encode("utf-8"),
}


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_encodings_arm_accepts_load_and_plan(tmp_path: Path, encoding: str) -> None:
    (tmp_path / "doc.json").write_bytes(ENCODINGS[encoding](model_text()))
    proposed = tmp_path / "proposed.json"
    proposed.write_bytes(ENCODINGS[encoding](model_text(sku={**MODEL["sku"], "capacity": 100})))
    run = run_cli("validate", "doc.json", cwd=tmp_path)
    assert run.code == 0, run.out + run.err
    assert_no_traceback(run)
    plan = run_cli("plan", "doc.json", "proposed.json", cwd=tmp_path)
    assert plan.code == 0, plan.out + plan.err
    assert "sku.capacity: 4 -> 100" in plan.out
    # Changes are located in the user's file, BOM, CRLF and comments notwithstanding.
    located = json.loads(run_cli("plan", "doc.json", "proposed.json", "-o", "json", cwd=tmp_path).out)
    change = located["scale_sets"][0]["changes"][0]
    text = proposed.read_bytes().decode("utf-16" if encoding.startswith("utf16") else "utf-8-sig")
    assert (change["location"]["line"], change["location"]["column"]) == position(text, '"capacity"')


def test_quadratic_regex_input_stays_fast(tmp_path: Path) -> None:
    """A string that never closes, full of escaped quotes, after a '/': comment stripping
    once took time quadratic in its length (a 40 KB line took 3 s)."""
    (tmp_path / "doc.json").write_text('{"a": 1 /"' + '\\"' * 1_000_000)
    run, elapsed, _ = run_measured("validate", "doc.json", cwd=tmp_path)
    assert run.code == 1
    assert_located(run, "doc.json", 1, 9, "invalid JSON")
    assert elapsed < 10


# --- nesting ----------------------------------------------------------------------------


def test_100000_deep_nesting_is_located(tmp_path: Path) -> None:
    (tmp_path / "arrays.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "objects.json").write_text("{\n" + '"a": {\n' * 100_000 + "}" * 100_001)
    run = run_cli("validate", "arrays.json", "objects.json", cwd=tmp_path)
    assert run.code == 1
    assert_located(run, "arrays.json", 1, 257, "nested too deeply: more than 256 levels")
    assert_located(run, "objects.json", 257, 6, "nested too deeply: more than 256 levels")


def deep_model(levels: int, leaf: object = 1) -> dict:
    """A scale-set model nested ``levels`` deep in all (through an extension's settings)."""
    settings: object = leaf
    for _ in range(levels - 7):  # the model's own levels, settings included, are 7
        settings = {"a": settings}
    return {"name": "web", "location": "westeurope",
            "properties": {"virtualMachineProfile": {"extensionProfile": {"extensions": [
                {"name": "e", "properties": {"publisher": "p", "type": "t", "settings": settings}}]}}}}


def nesting(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((nesting(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((nesting(v) for v in value), default=0)
    return 0


def test_nesting_at_the_limit_goes_through_every_stage(tmp_path: Path) -> None:
    """256 levels (the limit) pass validate, normalize, diff, classify and both renderers;
    a regression guard for any stage that recurses more deeply per level."""
    before, after = deep_model(256), deep_model(256, leaf=2)
    assert nesting(before) == 256
    (tmp_path / "before.json").write_text(json.dumps(before))
    (tmp_path / "after.json").write_text(json.dumps(after))
    assert run_cli("validate", "after.json", cwd=tmp_path).code == 0
    for args in ((), ("-o", "json")):
        for pair in (("before.json", "after.json"), ("after.json", "before.json")):
            run = run_cli("plan", *pair, *args, cwd=tmp_path)
            assert_no_traceback(run)
            assert run.code == 0, run.out + run.err
    assert "settings" in run_cli("plan", "before.json", "after.json", cwd=tmp_path).out


def test_nesting_beyond_the_limit_is_located(tmp_path: Path) -> None:
    text = json.dumps(deep_model(257), indent=1)
    (tmp_path / "deep.json").write_text(text)
    run = run_cli("plan", "deep.json", "deep.json", cwd=tmp_path)
    assert run.code == 1
    depths = itertools.accumulate((char in "{[") - (char in "}]") for char in text)  # no string holds a bracket
    offset = next(i for i, depth in enumerate(depths) if depth == 257)
    line, column = text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)
    assert_located(run, "deep.json", line, column, "nested too deeply: more than 256 levels")


# --- size --------------------------------------------------------------------------------


def thirty_megabytes(path: Path, broken: bool = False) -> int:
    """~30 MB (under the 32 MiB bound) of valid JSON that is not a scale set (or that, cut short)."""
    record = '{"id": %d, "name": "item-%d", "enabled": true, "tags": {"team": "web", "env": "prod"}}'
    count = 30_000_000 // len(record % (10**6, 10**6))
    text = '{"data": [\n' + ",\n".join(record % (i, i) for i in range(count)) + "\n]}\n"
    if broken:  # cut short after a comma: a value is expected at the very end
        text = text[: text.rindex(",\n", 0, len(text) - 1000) + 2]
    path.write_text(text)
    return len(text)


def baseline_rss(cwd: Path) -> int:
    """Peak RSS of the interpreter and vmssplan's imports, doing nothing."""
    return run_measured("--version", cwd=cwd)[2]


def test_30_megabytes_not_a_scale_set(tmp_path: Path) -> None:
    size = thirty_megabytes(tmp_path / "data.json")
    run, elapsed, peak = run_measured("validate", "data.json", cwd=tmp_path)
    # Not a scale-set document: passed over with a note (VAL004), as pre-commit hands validate
    # any JSON whose name looks like one; read and parsed within the bounds all the same.
    assert run.code == 0
    assert_located(run, "data.json", 1, 1, "not an ARM template, parameters file or scale-set model")
    assert elapsed < 30
    used = peak - baseline_rss(tmp_path)
    assert used < 10 * size, f"{used / 2**20:.0f} MiB above start-up for {size / 2**20:.0f} MiB of input"


def test_30_megabytes_broken(tmp_path: Path) -> None:
    size = thirty_megabytes(tmp_path / "data.json", broken=True)
    text = (tmp_path / "data.json").read_text()
    run, elapsed, peak = run_measured("validate", "data.json", cwd=tmp_path)
    assert run.code == 1
    assert_located(run, "data.json", text.count("\n") + 1, 1, "invalid JSON: Expecting value")
    assert elapsed < 30
    used = peak - baseline_rss(tmp_path)
    assert used < 10 * size, f"{used / 2**20:.0f} MiB above start-up for {size / 2**20:.0f} MiB of input"


def test_larger_than_32_mib_is_refused_before_parsing(tmp_path: Path) -> None:
    """ARM refuses templates over 4 MB; `az vmss list` output may be larger, up to the bound."""
    with (tmp_path / "huge.json").open("w") as fh:
        fh.write('{"data": "' + "x" * (32 * 2**20) + '"}')
    for args in (("validate", "huge.json"), ("plan", "huge.json", "huge.json")):
        run, elapsed, peak = run_measured(*args, cwd=tmp_path)
        assert_no_traceback(run)
        assert run.code == 1
        assert_located(run, "huge.json", 1, 1, "document is larger than 32 MiB")
        assert elapsed < 10 and peak < 200 * 2**20
    run = run_cli("validate", "-", "-o", "json", cwd=tmp_path, stdin=(tmp_path / "huge.json").read_text())
    assert run.code == 1
    assert [(f["rule"], f["file"], f["line"], f["column"]) for f in json.loads(run.out)["findings"]] == [
        ("VAL001", "<stdin>", 1, 1)]


def test_millions_of_tiny_values_are_refused(tmp_path: Path) -> None:
    """12 MB of ``{}``: parsed, each would take 60 times its size."""
    (tmp_path / "empties.json").write_text("[" + ",".join(["{}"] * 4_000_000) + "]")
    run, elapsed, peak = run_measured("validate", "empties.json", cwd=tmp_path)
    assert run.code == 1
    assert_located(run, "empties.json", 1, 1, "more than 4,000,000 values")
    assert elapsed < 10 and peak < 200 * 2**20


def test_10000_scale_sets_in_one_list(tmp_path: Path) -> None:
    def scale_set(i: int, capacity: int) -> dict:
        return {"name": f"vmss-{i:05d}", "type": "Microsoft.Compute/virtualMachineScaleSets",
                "location": "westeurope", "sku": {"name": "Standard_D2s_v5", "capacity": capacity},
                "properties": {"upgradePolicy": {"mode": "Manual"}}}

    (tmp_path / "before.json").write_text(json.dumps([scale_set(i, 2) for i in range(10_000)]))
    (tmp_path / "after.json").write_text(json.dumps([scale_set(i, 3 if i % 100 == 0 else 2)
                                                     for i in range(10_000)]))
    run, elapsed, _ = run_measured("plan", "before.json", "after.json", cwd=tmp_path)
    assert_no_traceback(run)
    assert run.code == 0, run.err
    assert "Plan: 10000 scale sets: 100 to update, 9900 unchanged. 100 changes" in run.out
    assert elapsed < 45


# --- templates ---------------------------------------------------------------------------


def hostile_text(name: str) -> str:
    return (HOSTILE / name).read_text()


@pytest.mark.parametrize("name,needle,message", [
    ("copy-count-1e9.json", '"count"', "copy count 1000000000 is outside 0..800"),
    ("property-copy-1e9.json", '"count"', "copy count 1000000000 is outside 0..800"),
    ("variable-copy-1e9.json", '"count"', "copy count 1000000000 is outside 0..800"),
    ("self-variable.json", '"[concat(variables(', "variable 'prefix' refers to itself"),
    ("variable-cycle.json", '"[toUpper(variables(', "variables refer to each other in a cycle: a -> b -> a"),
    ("duplicate-keys.json", '"upgradePolicy"', 'duplicate key "upgradePolicy"'),
])
def test_hostile_templates_are_located(name: str, needle: str, message: str) -> None:
    text = hostile_text(name)
    line, column = position(text, needle, nth=2 if name == "duplicate-keys.json" else 1)
    if needle.startswith('"['):  # located at the offending call inside the expression string
        column += text.splitlines()[line - 1][column - 1:].index("variables(")
    start = time.perf_counter()
    for args in (("validate", name), ("plan", "template.json", name)):
        run = run_cli(*args, cwd=HOSTILE)
        assert run.code == 1, run.out + run.err
        assert_located(run, name, line, column, message)
    assert time.perf_counter() - start < 20  # a count of 10^9 is refused, never run


def test_a_scale_set_behind_a_refused_copy_count_is_not_planned_as_deleted() -> None:
    """template.json has web-vmss; copy-count-1e9.json asks for 10^9 copies of it. The plan
    cannot tell what the proposed side holds: no delete, a warning that says why."""
    for args, side, verb in ((("template.json", "copy-count-1e9.json"), "proposed", "deleted"),
                             (("copy-count-1e9.json", "template.json"), "current", "new")):
        run = run_cli("plan", *args, "-o", "json", cwd=HOSTILE)
        plan = json.loads(run.out)
        assert run.code == 1  # VAL043: ARM refuses the count
        assert plan["scale_sets"] == []
        warnings = [f for f in plan["findings"] if f["rule"] == "VAL044"]
        assert [w["file"] for w in warnings] == [args[0] if side == "proposed" else args[1]]
        assert f"web-vmss is missing from the {side} side" in warnings[0]["message"]
        assert f"whether it is {verb} cannot be told" in warnings[0]["message"]


def test_more_resources_than_arm_accepts_are_an_error_and_still_planned(tmp_path: Path) -> None:
    template = json.loads(hostile_text("template.json"))
    resource = template["resources"][0]
    resource["copy"] = {"name": "sets", "count": 800}
    resource["name"] = "[concat(parameters('vmssName'), copyIndex())]"
    template["resources"].append({"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01",
                                  "name": "nsg", "location": "westeurope"})
    (tmp_path / "big.json").write_text(json.dumps(template), encoding="utf-8")
    run = run_cli("plan", "big.json", "big.json", "-o", "json", cwd=tmp_path)
    plan = json.loads(run.out)
    assert run.code == 1
    assert plan["summary"]["scale_sets"] == 800
    limit = [f for f in plan["findings"] if f["rule"] == "VAL041"]
    assert [f["message"] for f in limit] == [
        "801 resources after copy loops: ARM accepts at most 800 in one template and would refuse this one"]
    assert limit[0]["pointer"] == "/resources"
    template["resources"][0]["copy"]["count"] = 799
    (tmp_path / "ok.json").write_text(json.dumps(template), encoding="utf-8")
    findings = json.loads(run_cli("validate", "ok.json", "-o", "json", cwd=tmp_path).out)["findings"]
    assert not any(f["rule"] == "VAL041" for f in findings)


def test_recursive_user_function_is_a_finding() -> None:
    run = run_cli("validate", "recursive-function.json", cwd=HOSTILE)
    assert run.code == 1
    line, _ = located_anywhere(run, "recursive-function.json",
                               "user-defined functions call each other more than 32 levels")
    # At the value whose evaluation hit the limit, not at the top of the file.
    assert line == position(hostile_text("recursive-function.json"), '"[hostile.loop(0)]"')[0]


def template_with(expression: str, **variables: str) -> str:
    template = json.loads(hostile_text("template.json"))
    template["variables"].update(variables)
    template["resources"][0]["tags"] = {"hostile": expression}
    return json.dumps(template, indent=2)


def test_expression_nested_10000_deep(tmp_path: Path) -> None:
    long = "[" + "concat(" * 10_000 + "'x'" + ")" * 10_000 + "]"  # 80,005 characters
    deep = "[" + "not(" * 4_000 + "true()" + ")" * 4_000 + "]"  # 20,008 characters, 4,001 levels
    (tmp_path / "long.json").write_text(template_with(long))
    (tmp_path / "deep.json").write_text(template_with(deep))
    run = run_cli("validate", "long.json", "deep.json", cwd=tmp_path)
    assert run.code == 1
    line, column = position((tmp_path / "long.json").read_text(), '"[concat(')
    assert_located(run, "long.json", line, column + 1 + 24_576,
                   "expression is 80005 characters long; ARM allows at most")
    line, column = position((tmp_path / "deep.json").read_text(), '"[not(')
    assert_located(run, "deep.json", line, column + 2 + 4 * 256,
                   "expression is nested too deeply (more than 256 levels)")


def test_variables_referring_10000_deep(tmp_path: Path) -> None:
    chain = {f"v{i}": f"[variables('v{i + 1}')]" for i in range(10_000)}
    (tmp_path / "chain.json").write_text(template_with("[variables('v0')]", **chain, v10000="end"))
    run, elapsed, _ = run_measured("validate", "chain.json", cwd=tmp_path)
    assert run.code == 1
    located_anywhere(run, "chain.json", "evaluation is nested too deeply")
    assert elapsed < 20


def test_parameters_file_for_another_template() -> None:
    run = run_cli("plan", "template.json", "template.json", "-p", "@storage.parameters.json", cwd=HOSTILE)
    assert run.code == 1
    text = hostile_text("storage.parameters.json")
    for nth, name in enumerate(("storageAccountName", "storageSku"), start=1):
        line, column = position(text, '"value"', nth)  # each value given for an unknown parameter
        assert_located(run, "storage.parameters.json", line, column,
                       f"parameter '{name}' is not defined in the template")


# --- rule files --------------------------------------------------------------------------


def test_rule_file_with_broken_json_is_a_usage_error() -> None:
    path = HOSTILE / "rules-bad-json" / "HOSTILE501-broken.json"
    run = run_cli("plan", "template.json", "template.json", "--rules-dir", "rules-bad-json", cwd=HOSTILE)
    assert run.code == 2
    assert_no_traceback(run)
    line, column = position(path.read_text(), ",,")
    assert f"rules-bad-json/HOSTILE501-broken.json:{line}:{column + 1}: invalid JSON in rule file" in run.err


def test_rule_file_with_an_invalid_path_pattern_is_a_usage_error() -> None:
    path = HOSTILE / "rules-bad-schema" / "HOSTILE502-bad-path.json"
    run = run_cli("plan", "template.json", "template.json", "--rules-dir", "rules-bad-schema", cwd=HOSTILE)
    assert run.code == 2
    assert_no_traceback(run)
    line, column = position(path.read_text(), '"properties/virtualMachineProfile')
    assert f"rules-bad-schema/HOSTILE502-bad-path.json:{line}:{column}: invalid rule file: paths/0" in run.err
    assert "does not match '^(/[^/]+)*$'" in run.err


def test_missing_rule_directory_is_a_usage_error(tmp_path: Path) -> None:
    run = run_cli("plan", str(HOSTILE / "template.json"), str(HOSTILE / "template.json"), "--rules-dir",
                  str(tmp_path / "nope"), cwd=tmp_path)
    assert run.code == 2
    assert_no_traceback(run)
    assert "rule directory not found" in run.err


# --- values that reach the pipeline without a file ----------------------------------------

DEEP_VALUE = '{"a":' * 400 + "1" + "}" * 400


def test_set_with_a_deeply_nested_value() -> None:
    run = run_cli("plan", str(EXAMPLES / "os-image-version" / "current.json"), "--set", f"tags.x={DEEP_VALUE}")
    assert_no_traceback(run)
    assert run.code == 2 and "nested more than" in run.err
    assert run.code == 2 and "nested" in run.err


def test_set_with_a_lone_surrogate() -> None:
    run = run_cli("plan", str(EXAMPLES / "os-image-version" / "current.json"), "--set", 'tags.x="\\ud800"')
    assert_no_traceback(run)
    assert run.code == 2 and "surrogate" in run.err
    assert run.code == 2 and "surrogate" in run.err


def test_object_parameter_with_a_deeply_nested_value(tmp_path: Path) -> None:
    template = json.loads(hostile_text("template.json"))
    template["parameters"]["extra"] = {"type": "object", "defaultValue": {}}
    template["resources"][0]["tags"] = "[parameters('extra')]"
    (tmp_path / "t.json").write_text(json.dumps(template))
    for value in (DEEP_VALUE, '{"a": "\\ud800"}'):
        run = run_cli("plan", str(HOSTILE / "template.json"), "t.json", "--proposed-parameters", f"extra={value}",
                      cwd=tmp_path)
        assert_no_traceback(run)
        assert run.code == 1 and "VAL033" in run.out
