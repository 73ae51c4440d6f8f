"""Shared fixtures: where the repository, its examples and the shared corpus are."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# The CLI's on-disk cache (schema findings by content) goes to a directory of this test
# session, never to the user's ~/.cache; tests that need it off set VMSSPLAN_NO_CACHE.
os.environ["VMSSPLAN_CACHE_DIR"] = tempfile.mkdtemp(prefix="vmssplan-test-cache-")

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS
