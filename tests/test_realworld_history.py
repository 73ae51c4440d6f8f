"""Template histories (issue 13 point 6): consecutive real versions of public templates, each
pair planned old -> new by the real CLI, the plans kept as golden files reviewed by hand.

A history is ``tests/realworld-history/<template>/`` with one folder per version,
``<n>-<short commit>/azuredeploy.json`` (copied byte for byte, its SOURCE.json says from where),
and beside them the golden plans of each pair, ``<n>-to-<n+1>.expected.txt`` and
``.expected.json``. The pairs, the CLI arguments and the golden file names have one home,
``scripts/make_examples.py``, which also writes the golden files:

    python scripts/make_examples.py --history

After regenerating, read the diff and update ``tests/realworld-history/REVIEW.md``: it lists
every change of every golden plan with vmssplan's verdict and the right one, and the tests
below check that it still describes the golden plans.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO
from test_examples import MAKE_EXAMPLES

HISTORY: Path = MAKE_EXAMPLES.HISTORY
HISTORY_GOLDEN: dict[str, str] = MAKE_EXAMPLES.HISTORY_GOLDEN
REGENERATE = "python scripts/make_examples.py --history"
REVIEW = HISTORY / "REVIEW.md"
PAIRS: list[tuple[Path, Path]] = MAKE_EXAMPLES.history_pairs()
VERSIONS = sorted(p.parent for p in HISTORY.glob("*/*/SOURCE.json"))


def _pair_id(pair: tuple[Path, Path]) -> str:
    old, new = pair
    return f"{old.parent.name}:{old.name}->{new.name}"


def _golden(pair: tuple[Path, Path], fmt: str) -> Path:
    path: Path = MAKE_EXAMPLES.history_golden(*pair, fmt)
    return path


#: Pairs whose golden plan holds a verdict the review found wrong (a vmssplan bug), with the bug.
#: Their test_the_reviewed_verdicts_are_right is a strict xfail: it passes the day the bug is fixed.
#: (Bug 1 of REVIEW.md, strings written for booleans, is fixed: none is known wrong now.)
KNOWN_WRONG: dict[str, str] = {}


def test_every_history_has_at_least_two_versions_and_a_pair_per_step() -> None:
    templates = sorted(p for p in HISTORY.iterdir() if p.is_dir())
    assert len(templates) >= 2
    for template in templates:
        versions = MAKE_EXAMPLES.history_versions(template)
        assert len(versions) >= 2, template.name
        assert [int(v.name.split("-", 1)[0]) for v in versions] == list(range(1, len(versions) + 1))
    assert len(PAIRS) == sum(len(MAKE_EXAMPLES.history_versions(t)) - 1 for t in templates)


@pytest.mark.parametrize("version", VERSIONS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_version_is_the_copy_its_source_names(version: Path) -> None:
    entry: dict[str, Any] = json.loads((version / "SOURCE.json").read_text(encoding="utf-8"))
    assert entry["licence"] == "MIT" and (HISTORY / entry["licence_file"]).is_file()
    assert entry["template"] == f"{version.parent.name}/{version.name}/azuredeploy.json"
    (item,) = entry["files"]
    assert item["file"] == entry["template"] and item["role"] == "template"
    data = (HISTORY / item["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == item["sha256"]
    assert (len(data), len(data.decode("utf-8"))) == (item["bytes"], item["chars"])
    assert re.fullmatch(r"[0-9a-f]{40}", item["commit"]) and version.name.endswith("-" + item["commit"][:7])
    assert (HISTORY / entry["test_parameters"]).is_file()
    assert {p.name for p in version.iterdir()} <= {"azuredeploy.json", "azuredeploy.parameters.json", "SOURCE.json"}


def test_each_history_has_exactly_the_golden_files_of_its_pairs() -> None:
    expected = {_golden(pair, fmt) for pair in PAIRS for fmt in HISTORY_GOLDEN}
    present = {p for p in HISTORY.glob("*/*") if ".expected." in p.name}
    assert present == expected, f"regenerate them: {REGENERATE}"


@pytest.mark.parametrize("fmt", sorted(HISTORY_GOLDEN))
@pytest.mark.parametrize("pair", PAIRS, ids=_pair_id)
def test_plan_is_golden(pair: tuple[Path, Path], fmt: str) -> None:
    run = MAKE_EXAMPLES.run_plan(MAKE_EXAMPLES.history_plan_args(*pair, fmt), REPO)
    assert run.stderr == b""
    golden = _golden(pair, fmt)
    expected = golden.read_bytes()
    plan = json.loads(_golden(pair, "json").read_text(encoding="utf-8"))
    assert run.returncode == (1 if plan["summary"]["effect"] == "rejected" else 0)
    if run.stdout != expected:
        diff = "".join(difflib.unified_diff(
            expected.decode("utf-8", "replace").splitlines(keepends=True),
            run.stdout.decode("utf-8", "replace").splitlines(keepends=True),
            fromfile=str(golden.relative_to(REPO)), tofile=f"vmssplan plan -o {fmt}"))
        pytest.fail(f"the {fmt} plan is not its golden file (if the change is meant, run `{REGENERATE}`, "
                    f"review the diff and update {REVIEW.relative_to(REPO)}):\n{diff or repr(run.stdout)}")


def test_golden_files_hold_no_absolute_path() -> None:
    for pair in PAIRS:
        for fmt in HISTORY_GOLDEN:
            text = _golden(pair, fmt).read_text(encoding="utf-8")
            assert str(REPO) not in text and "tests/realworld-history/" in text, _golden(pair, fmt)


# The review: one "### <template> <n>-to-<m>" section per pair, one table row per change:
# | `display path` | vmssplan's effect (rule) | the right verdict | evidence |
_SECTION = re.compile(r"^### (\S+) (\d+)-to-(\d+)\b", re.MULTILINE)
_ROW = re.compile(r"^\| `([^`]+)` \| (\w+) \((\w+)\) \| ([\w ]+?) \|", re.MULTILINE)


def _review() -> dict[str, list[tuple[str, str, str, str]]]:
    """Pair id -> its rows (path, vmssplan's effect, rule, right verdict)."""
    text = REVIEW.read_text(encoding="utf-8")
    sections: dict[str, list[tuple[str, str, str, str]]] = {}
    marks = list(_SECTION.finditer(text))
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        body = text[mark.end():following.start() if following else len(text)]
        template, first, second = mark.groups()
        versions = {v.name.split("-", 1)[0]: v.name for v in MAKE_EXAMPLES.history_versions(HISTORY / template)}
        pair_id = f"{template}:{versions[first]}->{versions[second]}"
        sections[pair_id] = [(m[1], m[2], m[3], m[4]) for m in _ROW.finditer(body)]
    return sections


def _changes(pair: tuple[Path, Path]) -> list[tuple[str, str, str]]:
    plan = json.loads(_golden(pair, "json").read_text(encoding="utf-8"))
    return [(c["display_path"], c["effect"], c["rule"]) for s in plan["scale_sets"] for c in s["changes"]]


def test_the_review_has_a_section_for_every_pair() -> None:
    assert sorted(_review()) == sorted(_pair_id(pair) for pair in PAIRS)


@pytest.mark.parametrize("pair", PAIRS, ids=_pair_id)
def test_the_review_lists_every_change_of_the_golden_plan(pair: tuple[Path, Path]) -> None:
    """Every change, with the verdict and rule the golden plan gives: a regenerated golden
    whose verdicts moved fails here until REVIEW.md is reviewed again."""
    rows = _review()[_pair_id(pair)]
    assert sorted((path, effect, rule) for path, effect, rule, _ in rows) == sorted(_changes(pair))


@pytest.mark.parametrize("pair", [pytest.param(pair, marks=pytest.mark.xfail(
    strict=True, reason=KNOWN_WRONG[_pair_id(pair)])) if _pair_id(pair) in KNOWN_WRONG else pair
    for pair in PAIRS], ids=_pair_id)
def test_the_reviewed_verdicts_are_right(pair: tuple[Path, Path]) -> None:
    """The review's verdict of each change is vmssplan's ("no change" where vmssplan should
    not have reported one at all)."""
    wrong = [(path, effect, right) for path, effect, _, right in _review()[_pair_id(pair)] if right != effect]
    assert wrong == []


def test_known_wrong_pairs_exist() -> None:
    assert set(KNOWN_WRONG) <= {_pair_id(pair) for pair in PAIRS}
