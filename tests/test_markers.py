"""The integration marker: registered, and every file conftest.py marks exists (a renamed
slow file would otherwise drop silently into the fast loop)."""

from __future__ import annotations

import tomllib

import pytest

from conftest import INTEGRATION_FILES, REPO, TESTS


@pytest.mark.parametrize("name", sorted(INTEGRATION_FILES))
def test_every_integration_file_exists(name: str) -> None:
    assert (TESTS / name).is_file()


def test_the_marker_is_registered() -> None:
    pytest_options = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]
    assert any(m.startswith("integration:") for m in pytest_options["ini_options"]["markers"])
