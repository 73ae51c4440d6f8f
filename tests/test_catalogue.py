"""The rule catalogue: generated docs are current for every family; `vmssplan rules` lists
and shows every rule."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from conftest import REPO


def _generator():
    spec = importlib.util.spec_from_file_location("generate_rule_docs", REPO / "scripts" / "generate_rule_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_rule_docs_are_current(tmp_path: Path) -> None:
    written = _generator().write_docs(tmp_path)
    committed = REPO / "docs" / "rules"
    assert sorted(p.name for p in committed.glob("*.md")) == sorted(p.name for p in written)
    for page in written:
        assert (committed / page.name).read_text(encoding="utf-8") == page.read_text(encoding="utf-8"), (
            f"docs/rules/{page.name} is stale: run python scripts/generate_rule_docs.py")


def test_every_rule_of_every_family_has_a_page_with_its_evidence() -> None:
    from vmssplan.registry import KINDS, load

    rules = load().rules
    assert {rule.kind for rule in rules} == set(KINDS)
    index = (REPO / "docs" / "rules" / "README.md").read_text(encoding="utf-8")
    for rule in rules:
        text = (REPO / "docs" / "rules" / f"{rule.id}.md").read_text(encoding="utf-8")
        assert text.startswith(f"# {rule.id}: {rule.title}")
        assert f"[{rule.id}]({rule.id}.md)" in index
        if rule.kind != "finding":
            assert "## Evidence" in text and rule.evidence[0]["source"] in text
        else:
            assert rule.description and rule.description in text
