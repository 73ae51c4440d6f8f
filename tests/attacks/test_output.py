"""Attack suite, issue 14 finding 5 (and finding 7's ``--query`` and closed-stdout crashes):
output cannot be forged.

A pull-request author controls every string of the documents: scale-set names, tag keys and
values, property and extension names, file names, instance ids, and the messages that quote
them. The run's output is read by a terminal, by a CI runner that acts on some lines (GitHub
``::error::``/``::add-mask::`` at the start of a line, GitHub's legacy ``##[cmd]`` and Azure
DevOps's ``##vso[...]`` anywhere in a line) and by people reading the Markdown comment.

Criterion for a secure build, in every format (text, json, sarif, markdown, github, junit,
patch, ``--query``): no line begins with ``::`` unless it is one of vmssplan's own
annotations (``-o github``); no ``##[``/``##vso[`` anywhere; no raw control character, ESC
sequence, CR or bidi control; JSON stays valid and exact, XML well formed; in Markdown no
string from a document opens or closes a heading, fence, table cell, ``<details>`` or HTML.

One hostile scenario is planned once per format (the outputs are cached per module); each
test checks one attack over all of them. The hypothesis property at the end does the same
for random strings in a scale-set name and a tag.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from clihelp import Run, run_cli

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "instances-manual-protected-stale"

#: Every attack of finding 5 in one string, starting with a workflow command so that
#: wherever it begins a line (a file name first on a finding line) it is one.
HOSTILE = ("::error::lead"
           "\n::error::forged-after-newline"
           "\r::warning::forged-after-cr"
           "\n##vso[task.prependpath]/tmp/evil ##vso[task.setvariable variable=x]1 ##[add-mask]x "
           "\x1b]8;;https://evil.example/\x07click-me\x1b]8;;\x07"  # OSC 8 hyperlink
           "\x1b[2J\x9b2J"  # clear screen (ESC CSI and the C1 CSI)
           "\u202eexe.txt\u2066\u2069"  # right-to-left override, isolates
           "</summary></details>\n# forged heading\n"
           "```\n| forged | cell |\n"
           "<img src=x onerror=alert(1)> [link](https://evil.example/) *bold* `tick`` "
           "   ::notice::indented")
#: The same attacks in a file name (no "/", at most 255 bytes).
HOSTILE_FILE = ("::error::lead\n::error::nl\r::warning::cr\n##vso[task.prependpath]x ##[add-mask]x "
                "\x1b]8;;https:evil\x07click\x1b]8;;\x07\x1b[2J\u202eexe.txt\u2066<summary><details>\n"
                "# heading\n```|x|.json")

FORMATS = ("text", "json", "sarif", "markdown", "github", "junit", "patch", "azure-devops", "table", "tsv")

_GITHUB_LINE = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")
#: vmssplan's own Azure Pipelines issue: the command, then its properties (no ``;`` or ``]``
#: inside a value), then the message.
_AZURE_LINE = re.compile(r"^##vso\[task\.logissue type=(error|warning)((?:;[a-z]+=[^;\]]*)*)\](.*)$")
#: What a runner reads as a logging command anywhere in a line.
_ANYWHERE_COMMAND = re.compile(r"##(?:vso)?\[", re.IGNORECASE)
#: Characters that must never be raw in any output: controls but the newline, bidi controls
#: and marks, line and paragraph separators.
_RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SGR = re.compile(r"\x1b\[[0-9;]*m")  # vmssplan's own colours, with --color always


def _scenario(folder: Path) -> tuple[Path, Path, Path]:
    """current/proposed/instances of a real example, every input string made hostile."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for side in ("current", "proposed"):
        model = json.loads((EXAMPLE / f"{side}.json").read_text(encoding="utf-8"))
        model["name"] = "web" + HOSTILE
        model["tags"] = {"key" + HOSTILE: "value" + HOSTILE}
        if side == "proposed":
            model["tags"]["added" + HOSTILE] = "new" + HOSTILE
            profile = model["properties"]["virtualMachineProfile"]
            profile["property" + HOSTILE] = "set" + HOSTILE
            extensions = profile.setdefault("extensionProfile", {}).setdefault("extensions", [])
            extensions.append({"name": "ext" + HOSTILE, "properties": {
                "publisher": "Microsoft.Azure.Extensions", "type": "CustomScript", "typeHandlerVersion": "2.1",
                "settings": {"commandToExecute": "echo" + HOSTILE}}})
        path = folder / (HOSTILE_FILE if side == "proposed" else "current.json")
        path.write_text(json.dumps(model, indent=2), encoding="utf-8")
        paths.append(path)
    vms = json.loads((EXAMPLE / "instances.json").read_text(encoding="utf-8"))
    vms[0]["instanceId"] = HOSTILE
    vms[0]["zones"] = [HOSTILE]
    instances = folder / "instances.json"
    instances.write_text(json.dumps(vms, indent=2), encoding="utf-8")
    return paths[0], paths[1], instances


def _broken(folder: Path) -> Path:
    """A document with findings that quote its values and carry its (hostile) file name."""
    model = json.loads((EXAMPLE / "proposed.json").read_text(encoding="utf-8"))
    model["name"] = HOSTILE
    model["properties"]["upgradePolicy"]["mode"] = HOSTILE
    model["sku"]["capacity"] = HOSTILE
    path = folder / ("broken" + HOSTILE_FILE)
    path.write_text(json.dumps(model, indent=2), encoding="utf-8")
    return path


@cache
def _folder() -> Path:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="vmssplan-attack-output-"))
    _scenario(folder)
    _broken(folder)
    return folder


@cache
def _plan(fmt: str, color: str = "never") -> Run:
    folder = _folder()
    run = run_cli("plan", "current.json", HOSTILE_FILE, "--instances", "instances.json", "-o", fmt,
                  "--color", color, cwd=folder)
    assert run.code == 0, run.err  # an upgrade (Manual policy): nothing rejected
    return run


@cache
def _validate(fmt: str) -> Run:
    run = run_cli("validate", "broken" + HOSTILE_FILE, "-o", fmt, cwd=_folder())
    assert run.code == 1, run.err
    return run


def _outputs() -> Iterator[tuple[str, str]]:
    for fmt in FORMATS:
        yield f"plan -o {fmt}", _plan(fmt).out
        if fmt != "patch":
            yield f"validate -o {fmt}", _validate(fmt).out
    yield "plan -o text --color always", _plan("text", "always").out


# --- checks shared with the property test ------------------------------------------------


def _lines(output: str) -> list[str]:
    """Lines as the GitHub and Azure DevOps runners split them (LF, CR, CRLF)."""
    return re.split(r"\r\n|\r|\n", output)


def assert_no_forged_line(fmt: str, output: str) -> None:
    for line in _lines(output):
        if fmt == "azure-devops" and line.startswith("##vso["):
            match = _AZURE_LINE.match(line)
            assert match, f"not one issue: {line!r}"
            for item in match.group(2).split(";")[1:]:
                assert item.partition("=")[0] in {"sourcepath", "linenumber", "columnnumber", "code"}, line
            assert not _ANYWHERE_COMMAND.search(match.group(2) + match.group(3)), line
            assert not line.lstrip().startswith("::"), line
            continue
        if fmt == "github" and line:
            match = _GITHUB_LINE.match(line)
            assert match, f"not one annotation: {line!r}"
            for item in (match.group(2) or "").split(","):
                assert item.partition("=")[0] in {"file", "line", "col", "title"}, line
        else:
            # .NET's TrimStart() strips Unicode white space, as str.lstrip() does
            assert not line.lstrip().startswith("::"), f"-o {fmt}: a line reads as a workflow command: {line!r}"
    own = re.sub(r"^##vso\[task\.logissue ", "", output, flags=re.MULTILINE) if fmt == "azure-devops" else output
    assert not _ANYWHERE_COMMAND.search(own), f"-o {fmt}: a logging command: {output!r}"


def assert_no_raw_control(fmt: str, output: str) -> None:
    if fmt == "tsv":  # tabs separate the cells: a plan or findings row has six, so five tabs a line
        assert all(line.count("\t") == 5 for line in output.splitlines()), output
        output = output.replace("\t", " ")
    found = _RAW.search(_SGR.sub("", output))
    assert found is None, f"-o {fmt}: raw {found.group()!r} in {output[max(0, found.start() - 60):found.end() + 60]!r}"


def assert_markdown_structure(output: str, scale_sets: int) -> None:
    """Only vmssplan's own structure: its two headings, one ``<details>`` block per scale set
    (a summary line and nothing else), JSON fences that parse, ``sh`` fences of commands,
    tables whose rows have the header's cell count, no inline HTML, links only to rules."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(output)
    cells: list[int] = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            assert tokens[i + 1].content in {"Findings", "VMs", "Strongest changes"}, tokens[i + 1].content
        elif token.type == "html_block":
            content = token.content.rstrip("\n")
            if content != "</details>":
                head, summary = content.split("\n")
                assert head == "<details>", content
                assert re.fullmatch(r"<summary>[^<>]* <code>[^<>]*</code>: [^<>]*</summary>", summary) or \
                    re.fullmatch(r"<summary>what-if also lists \d+ resources? that (?:is|are) not a scale set "
                                 r"\([^<>]*\): not planned</summary>", summary), summary
        elif token.type == "fence":
            assert token.info in {"json", "sh"}, token.info
            if token.info == "json":
                json.loads(token.content)
            else:
                assert all(line.startswith(("az ", "# ")) for line in token.content.splitlines()), token.content
        elif token.type == "tr_open":
            cells.append(0)
        elif token.type in {"th_open", "td_open"}:
            cells[-1] += 1
        elif token.type == "table_close":
            assert len(set(cells)) == 1, f"a row with another cell count: {cells}"
            cells = []
        elif token.type == "inline":
            for child in token.children or []:
                assert child.type != "html_inline", child.content
                if child.type == "link_open":
                    href = str(child.attrs["href"])
                    assert href.startswith("https://") and not re.search(r"[\s()<>`]", href), href
    opened = sum(t.type == "html_block" and t.content.startswith("<details>") for t in tokens)
    closed = sum(t.type == "html_block" and t.content.startswith("</details>") for t in tokens)
    assert opened == closed <= scale_sets


def assert_formats_hold(fmt: str, output: str) -> None:
    assert_no_forged_line(fmt, output)
    assert_no_raw_control(fmt, output)
    if fmt in {"json", "sarif", "patch"}:
        json.loads(output)
    elif fmt == "junit":
        ET.fromstring(output.encode("utf-8"))


# --- the attacks, end to end -------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_newline_in_a_name_cannot_start_a_workflow_command(fmt: str) -> None:
    """Attack: a scale-set name, tag, property, extension, file name or instance id holding
    ``\\n::error::``, ``\\r::warning::`` or beginning with ``::error::`` (a file name is the
    first thing on a finding line). Criterion: no line of any output begins, after blanks,
    with ``::``, except ``-o github``'s own annotations, one per finding or change, whose
    properties are only file/line/col/title."""
    for run in (_plan(fmt), *((_validate(fmt),) if fmt != "patch" else ())):
        assert_no_forged_line(fmt, run.out)
    if fmt == "text":
        assert r"web::error::lead\n::error::forged-after-newline\r::warning::forged-after-cr\n" in _plan(fmt).out


@pytest.mark.parametrize("fmt", FORMATS)
def test_azure_devops_and_legacy_logging_commands_are_defused(fmt: str) -> None:
    """Attack: ``##vso[task.prependpath]`` (later Azure DevOps steps run the PR's binaries),
    ``##vso[task.setvariable]`` and GitHub's legacy ``##[add-mask]``, which both runners act
    on anywhere in a line. Criterion: no ``##[``/``##vso[`` appears in any output; text shows
    ``\\x23#vso[``, JSON ``\\u0023#vso[`` (the same string to a JSON reader)."""
    for run in (_plan(fmt), *((_validate(fmt),) if fmt != "patch" else ())):
        own = re.sub(r"^##vso\[task\.logissue ", "", run.out, flags=re.MULTILINE) if fmt == "azure-devops" else run.out
        assert not _ANYWHERE_COMMAND.search(own)
    shown = {"text": r"\x23#vso[task.prependpath]", "markdown": r"\x23#vso[task.prependpath]",
             "azure-devops": r"\x23#vso[task.prependpath]",
             "github": r"\x23#vso[task.prependpath]", "junit": r"\x23#vso[task.prependpath]",
             "json": r"\u0023#vso[task.prependpath]", "sarif": r"\u0023#vso[task.prependpath]",
             "patch": r"\u0023#vso[task.prependpath]", "table": r"\x23#vso[task.prependpath]",
             "tsv": r"\x23#vso[task.prependpath]"}
    assert shown[fmt] in _plan(fmt).out


@pytest.mark.parametrize("fmt", FORMATS)
def test_terminal_escapes_and_bidi_overrides_are_shown_not_sent(fmt: str) -> None:
    """Attack: an OSC 8 hyperlink (``ESC ]8;;URL BEL``), ``ESC [2J`` and the C1 CSI (clear the
    screen), U+202E and U+2066/U+2069 (reorder what the reader sees) in names and values.
    Criterion: no raw control character (C0 but the newline, DEL, C1) nor bidi control in
    any output, with or without colour; text shows them as ``\\x1b``, ``\\u202e``."""
    for run in (_plan(fmt), *((_validate(fmt),) if fmt != "patch" else ())):
        assert_no_raw_control(fmt, run.out)
    assert_no_raw_control("text --color always", _plan("text", "always").out)
    assert "\x1b[1m" in _plan("text", "always").out  # its own colours are still there
    if fmt in {"text", "markdown", "github", "junit", "azure-devops"}:
        assert r"\x1b]8;;https:" in _plan(fmt).out.replace("%3A", ":")
        assert r"\u202eexe.txt\u2066\u2069" in _plan(fmt).out


def test_markdown_comment_structure_cannot_be_opened_or_closed() -> None:
    """Attack: in the pull-request comment, a name holding ``</summary></details>``, a newline
    and ``# forged heading``, an opening fence that would swallow the rest, ``|`` cells,
    inline HTML and a link. Criterion: the comment parses (CommonMark + tables) to vmssplan's
    own structure only: its headings, one ``<details>``/``<summary>`` per scale set holding
    no HTML from the name, JSON fences that are JSON, tables with even rows, no inline HTML,
    links only to rule evidence."""
    import markdown_it  # noqa: F401  (a test dependency: the comment is parsed as GitHub would)
    assert_markdown_structure(_plan("markdown").out, scale_sets=1)
    assert_markdown_structure(_validate("markdown").out, scale_sets=0)
    # Cut to a comment's size, the same holds (its one more heading: the strongest changes).
    cut = run_cli("plan", "current.json", HOSTILE_FILE, "--instances", "instances.json", "-o", "markdown",
                  "--max-length", "2500", cwd=_folder()).out
    assert "✂️" in cut and len(cut) <= 2500
    assert_markdown_structure(cut, scale_sets=0)
    assert_formats_hold("markdown", cut)
    out = _plan("markdown").out
    assert "&lt;/summary&gt;&lt;/details&gt;" in out  # the name in <summary>, HTML-escaped
    assert out.rstrip("\n").splitlines()[-1].startswith("**Plan:** 1 scale set: 1 to update. 4 changes")


@pytest.mark.parametrize("fmt", ["json", "sarif", "patch"])
def test_json_outputs_stay_valid_and_exact(fmt: str) -> None:
    """Attack: the hostile strings in every JSON output. Criterion: valid JSON whose strings
    are exactly the input's (the escaping is JSON's own ``\\uXXXX``)."""
    data = json.loads(_plan(fmt).out)
    names: list[Any]
    if fmt == "json":
        names = [s["name"] for s in data["scale_sets"]]
        assert data["scale_sets"][0]["file"] == HOSTILE_FILE
        assert {"key" + HOSTILE, "added" + HOSTILE} <= {c["path"].split("/")[-1].replace("~1", "/")
                                                         for c in data["scale_sets"][0]["changes"]
                                                         if c["path"].startswith("/tags/")} | {"key" + HOSTILE}
    elif fmt == "sarif":
        names = sorted({r["properties"]["scaleSet"] for r in data["runs"][0]["results"]})
    else:
        values = [op.get("value") for ops in data.values() for op in ops]
        assert "new" + HOSTILE in values and "set" + HOSTILE in values
        return
    assert names == ["web" + HOSTILE]


def test_query_output_is_escaped_and_exact() -> None:
    """Attack: ``--query`` selecting the hostile strings. Criterion: the result is valid JSON,
    exactly the input's strings, with nothing a runner or terminal acts on."""
    run = run_cli("plan", "current.json", HOSTILE_FILE, "--instances", "instances.json", "--query",
                  "scale_sets[0].[name, file, instances[?name=='web-vmss_0'].instance_id | [0]]", cwd=_folder())
    assert run.code == 0, run.err
    assert json.loads(run.out) == ["web" + HOSTILE, HOSTILE_FILE, HOSTILE]
    assert_formats_hold("json", run.out)


def test_junit_is_well_formed_xml_1_0() -> None:
    """Attack: control characters XML 1.0 cannot hold (ESC, BEL, CR kept raw would be
    rewritten by parsers) in names, attributes and text. Criterion: the report parses, the
    suite is named after the scale set with every control shown as an escape, counts hold."""
    root = ET.fromstring(_plan("junit").out.encode("utf-8"))
    suite = root.find("testsuite")
    assert suite is not None
    name = suite.get("name") or ""
    assert name.startswith(r"web::error::lead\n::error::forged-after-newline\r") and "\x1b" not in name
    assert suite.get("tests") == str(len(json.loads(_plan("json").out)["scale_sets"][0]["changes"])) == "4"
    ET.fromstring(_validate("junit").out.encode("utf-8"))


def test_github_annotations_are_one_line_per_item() -> None:
    """Attack: a newline in a name, file name or message would end the annotation and start
    a forged one. Criterion: one ``::`` line per finding or reported change, nothing else."""
    plan = json.loads(_plan("json").out)
    reported = sum(c["effect"] != "none" for s in plan["scale_sets"] for c in s["changes"])
    lines = _plan("github").out.splitlines()
    assert len(lines) == reported + len(plan["findings"])
    validate = json.loads(_validate("json").out)
    assert len(_validate("github").out.splitlines()) == len(validate["findings"])


def test_error_messages_on_standard_error_stay_on_one_line() -> None:
    """Attack: a path from a pull request (a missing linked template, a changed file's name)
    quoted in an error message on standard error, which the CI log shows too. Criterion: the
    message is one line, escaped as the text output is."""
    run = run_cli("plan", str(EXAMPLE / "current.json"), "missing" + HOSTILE_FILE)
    assert run.code == 2, run.err
    assert run.err.startswith("vmssplan: error: missing::error::lead\\n::error::nl\\r") and run.err.count("\n") == 1
    assert_no_forged_line("stderr", run.err)
    assert_no_raw_control("stderr", run.err)


# --- finding 7: --query and standard output ----------------------------------------------

_EXAMPLE_ARGS = (str(EXAMPLE / "current.json"), str(EXAMPLE / "proposed.json"))


@pytest.mark.parametrize("query", ["[" * 5000, "(" * 3000 + "a" + ")" * 3000, "f(" * 2000 + "a" + ")" * 2000,
                                   "!" * 5000 + "a", "{a:" * 2000 + "a" + "}" * 2000, "a[?" * 2000 + "b" + "]" * 2000],
                         ids=["brackets", "parentheses", "calls", "nots", "multiselect", "filters"])
def test_query_nested_too_deeply_is_a_usage_error(query: str) -> None:
    """Attack: ``--query`` nested thousands deep overflowed the parser (RecursionError, exit 3).
    Criterion: a usage error (exit 2) that says so, without echoing the whole expression."""
    run = run_cli("plan", *_EXAMPLE_ARGS, "--query", query)
    assert run.code == 2, run.err
    assert "vmssplan: error: --query:" in run.err and "internal error" not in run.err
    assert len(run.err) < 600


@pytest.mark.parametrize("query", ["&@", "&name", "[&a, &b]"])
def test_query_expression_reference_is_a_usage_error(query: str) -> None:
    """Attack: ``--query '&@'``, whose result is an expression reference, not JSON (TypeError,
    exit 3). Criterion: a usage error (exit 2) naming the problem."""
    run = run_cli("plan", *_EXAMPLE_ARGS, "--query", query)
    assert run.code == 2, run.err
    assert "--query: the result is not JSON data" in run.err


def _closed_stdout(*args: str) -> tuple[int, str]:
    import os
    import subprocess
    import sys

    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("VMSSPLAN_DEBUG", None)
    # exactly the shell's `>&-`: descriptor 1 closed when vmssplan starts
    proc = subprocess.run(["sh", "-c", 'exec "$0" -m vmssplan "$@" >&-', sys.executable, *args],
                          stderr=subprocess.PIPE, text=True, env=env, timeout=120, check=False)
    return proc.returncode, proc.stderr


@pytest.mark.parametrize("args", [("plan", *_EXAMPLE_ARGS), ("plan", *_EXAMPLE_ARGS, "--color", "never"),
                                  ("validate", _EXAMPLE_ARGS[0]), ("rules",)], ids=["plan", "plan-no-color",
                                                                                     "validate", "rules"])
def test_standard_output_closed_is_a_clear_error(args: tuple[str, ...]) -> None:
    """Attack: ``vmssplan plan a b >&-`` (descriptor 1 closed: sys.stdout is None; exit 3).
    Criterion: exit 2 with a message on standard error; with --output-file the run works."""
    code, err = _closed_stdout(*args)
    assert code == 2, err
    assert "standard output is closed" in err and "internal error" not in err


def test_standard_output_closed_with_output_file_works(tmp_path: Path) -> None:
    """Criterion: a closed standard output does not matter when the output goes to a file."""
    out = tmp_path / "plan.txt"
    code, err = _closed_stdout("plan", *_EXAMPLE_ARGS, "--output-file", str(out))
    assert code == 0, err
    assert out.read_text(encoding="utf-8").startswith("vmssplan: ")


# --- the property ------------------------------------------------------------------------

_TOKENS = ["::error::", "::add-mask::", "##vso[task.prependpath]", "##[", "\n", "\r", "\r\n", "\x1b]8;;", "\x07",
           "\x1b[2J", "\x9b", "\u202e", "\u2066", "\u2028", "\x85", "\xa0", "\t", "\x0b", "</summary>", "</details>",
           "<details>", "# ", "```", "``", "`", "~~~", "|", "\\", "*", "_", "[x](y)", "<b>", "&amp;", "%0A", "%", ":",
           ",", " ", "-", ">", "1."]


def _hostile_text() -> Any:
    from hypothesis import strategies as st

    piece = st.one_of(st.sampled_from(_TOKENS), st.text(st.characters(exclude_categories=["Cs"]), max_size=4))
    return st.lists(piece, min_size=1, max_size=12).map("".join)


def _render_all(folder: Path, name: str, tag_key: str, tag_value: str) -> dict[str, str]:
    from vmssplan.engine import RunConfig, plan_files
    from vmssplan.render import PLAN_FORMATS, get_renderer
    from vmssplan.view import build_view

    for side in ("current", "proposed"):
        model = json.loads((EXAMPLE / f"{side}.json").read_text(encoding="utf-8"))
        model["name"] = name
        model["tags"] = {tag_key: tag_value} if side == "proposed" else {}
        (folder / f"{side}.json").write_text(json.dumps(model), encoding="utf-8")
    result = plan_files(str(folder / "current.json"), str(folder / "proposed.json"),
                        RunConfig(instances=(str(EXAMPLE / "instances.json"),), locate_changes=True))
    view = build_view(result, plan=True)
    outputs = {fmt: get_renderer(PLAN_FORMATS, fmt)(view, color=False) for fmt in PLAN_FORMATS}
    outputs["text --color"] = get_renderer(PLAN_FORMATS, "text")(view, color=True)
    return outputs


def test_random_names_and_tags_never_forge_output(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Property: whatever string a scale-set name, a tag key or a tag value holds (random
    pieces of workflow commands, line breaks of every kind, ESC/OSC, bidi controls, Markdown
    and HTML syntax), no format has a forged line, a raw control or a logging command; JSON
    is valid with the exact strings; JUnit is XML; Markdown keeps vmssplan's structure."""
    import markdown_it  # noqa: F401  (a test dependency: the comment is parsed as GitHub would)
    from hypothesis import HealthCheck, given, settings
    folder = tmp_path_factory.mktemp("property")

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(name=_hostile_text(), tag_key=_hostile_text(), tag_value=_hostile_text())
    def check(name: str, tag_key: str, tag_value: str) -> None:
        outputs = _render_all(folder, name, tag_key, tag_value)
        for fmt, output in outputs.items():
            assert_formats_hold(fmt.split()[0], output)
        document = json.loads(outputs["json"])
        if document["scale_sets"]:
            assert document["scale_sets"][0]["name"] == (name or "scale set #1")
            assert_markdown_structure(outputs["markdown"], scale_sets=len(document["scale_sets"]))

    check()
