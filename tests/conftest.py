"""Shared fixtures: where the repository, its examples and the shared corpus are; and which
tests are integration tests (tests/README.md, "Running the tests")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
CORPUS = REPO.parent / "shared" / "corpus"
TESTS = Path(__file__).resolve().parent

#: The slow test files, marked ``integration`` here and nowhere else, with why they are slow
#: (measured with ``python -m pytest -q -p no:cacheprovider --durations=30``). Besides these,
#: every hypothesis test (``@given``) in any file is marked: see :func:`_is_integration`.
INTEGRATION_FILES = {
    "test_wheel.py": "builds a wheel and installs it into a new venv",
    "test_precommit.py": "runs the real pre-commit in git repositories",
    "test_git.py": "builds git repositories",
    "test_ci_recipes.py": "the README's snippets (venvs, pip, real pre-commit) and the Action in git repositories",
    "test_bench.py": "runs the benchmark, which installs vmssplan into a new venv",
    "test_properties.py": "hypothesis property tests",
    "expressions/test_expressions_fuzz.py": "hypothesis fuzzing of the expression language",
    "test_examples.py": "the CLI in a subprocess for every example in every format",
    "test_realworld_history.py": "the CLI in a subprocess for every pair of template versions, two formats",
    "test_determinism.py": "the CLI in a subprocess under several hash seeds",
    "test_formats.py": "the CLI in a subprocess, most tests several times",
    "test_cli.py": "the CLI in a subprocess",
    "test_locate_origin.py": "the CLI in a subprocess, once in a git repository",
    "test_cli_habits.py": "the CLI in a subprocess, in every habit of issue 15 (one run on a pseudo-terminal)",
    "test_hostile.py": "the CLI in a subprocess on inputs of up to 32 MiB",
    "test_secrets.py": "the CLI in a subprocess in every format; a corpus sweep",
    "test_corpus.py": "every file of the shared corpus",
    "test_whatif_corpus.py": "every GET/PUT pair of the corpus as a what-if result, four times, and edited three times",
    "test_diff_oracle.py": "DeepDiff against the differ on every corpus model and hypothesis-edited copies",
    "test_code_checks.py": "runs ruff and mypy (strict) over the tree",
    "attacks/test_output.py": "the CLI in a subprocess on hostile names, in every format",
    "attacks/test_inside.py": "the CLI in a subprocess, about fifty attacks on what vmssplan reads",
    "attacks/test_base_rules.py": "the CLI in a subprocess in git repositories (issue 14 attack suite)",
    "attacks/test_changed_files.py": "the CLI in a subprocess in git repositories (issue 14 attack suite)",
    "attacks/test_whatif_input.py": "the CLI in a subprocess on hostile what-if results, every format",
    "attacks/test_sec_eval.py": "the CLI in a subprocess, every format, twice per secrecy attack (issue 14)",
}


def _is_integration(item: pytest.Item) -> bool:
    path = Path(str(item.fspath)).resolve()
    if path.is_relative_to(TESTS) and path.relative_to(TESTS).as_posix() in INTEGRATION_FILES:
        return True
    return bool(getattr(getattr(item, "obj", None), "is_hypothesis_test", False))


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _is_integration(item):
            item.add_marker(pytest.mark.integration)


#: Why a corpus test skips on a fresh clone (no ``../shared`` beside the repository).
NO_CORPUS = "../shared/corpus is not present"


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(NO_CORPUS)
    return CORPUS


def corpus_cases(names: list[str]) -> list[Any]:
    """The parameters of a test over corpus files: the names, or without the corpus one case that
    skips and says why (an empty list would skip as "got empty parameter set", which pyproject.toml
    makes a collection error so that no corpus test skips without its reason)."""
    return list(names) if names else [pytest.param(None, marks=pytest.mark.skip(reason=NO_CORPUS), id="no-corpus")]
