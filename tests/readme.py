"""The README's snippets, as printed: the code blocks, and the address and release tag its
pre-commit, Action and Azure DevOps snippets install vmssplan from (the only text the tests
that run them substitute)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from conftest import REPO


def text() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    """Every fenced block of that language, in order."""
    return re.findall(rf"```{language}\n(.*?)```", text(), re.DOTALL)


def yaml_block(first_line: str) -> str:
    """The one ```yaml block whose first line starts with ``first_line``."""
    [found] = [b for b in blocks("yaml") if b.startswith(first_line)]
    return found


def load(first_line: str) -> Any:
    return yaml.safe_load(yaml_block(first_line))


def release() -> tuple[str, str]:
    """(repository URL, tag) of the pre-commit snippet, which the other snippets must name too."""
    [repo] = load("# .pre-commit-config.yaml")["repos"]
    return repo["repo"], repo["rev"]
