"""Regenerate docs/rules/: one page per rule of every family (change rules, cross-field
rules, finding ids) and an index, from the rule registry.

    python scripts/generate_rule_docs.py [OUT_DIR]

tests/test_catalogue.py checks that the committed pages are what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from vmssplan.catalogue import index_markdown, rule_markdown  # noqa: E402
from vmssplan.registry import load  # noqa: E402


def write_docs(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    registry = load()
    written = [out / "README.md"]
    (out / "README.md").write_text(index_markdown(registry), encoding="utf-8")
    for rule in registry.rules:
        page = out / f"{rule.id}.md"
        page.write_text(rule_markdown(rule), encoding="utf-8")
        written.append(page)
    for stale in set(out.glob("*.md")) - set(written):
        stale.unlink()
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "rules"
    print(f"wrote {len(write_docs(target))} pages to {target}")
