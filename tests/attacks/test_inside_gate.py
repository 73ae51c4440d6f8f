"""The one gate every file read passes (vmssplan/inputs/files.py), attacked directly: fast
checks of what tests/attacks/test_inside.py attacks through the CLI (issue 14, point 1 and 6)."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmssplan.config import load_config
from vmssplan.inputs import files
from vmssplan.inputs.documents import read_data_file
from vmssplan.model import UsageError


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "a" / "b").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret").write_text("s3cret", encoding="utf-8")
    return tmp_path / "repo"


def test_the_boundary_is_the_repository_of_the_name_as_given(repo: Path, tmp_path: Path) -> None:
    """Criterion: the repository holding the name (searched upward from its directory as
    named, not from where a symbolic link leads); outside a repository, its own directory."""
    assert files.boundary(repo / "a" / "b" / "x.json") == repo.resolve()
    (repo / "link").symlink_to(tmp_path / "outside")
    assert files.boundary(repo / "link" / "x.json") == repo.resolve()
    assert files.boundary(tmp_path / "outside" / "x.json") == (tmp_path / "outside").resolve()


def test_outside_reads_the_same_whether_a_file_is_there_or_not(repo: Path, tmp_path: Path) -> None:
    """Attack: probe for runner files through symbolic links, `..` and absolute names.
    Criterion: one Refused error, the same words, whether the target exists or not;
    nothing is read."""
    (repo / "to-secret").symlink_to(tmp_path / "outside" / "secret")
    (repo / "to-nothing").symlink_to(tmp_path / "outside" / "nothing")
    messages = set()
    for name in (repo / "to-secret", repo / "to-nothing", repo / ".." / "outside" / "secret",
                 repo / ".." / "outside" / "nothing"):
        with pytest.raises(files.Refused) as caught:
            files.read_bytes(name, 1024, repo.resolve())
        messages.add((caught.value.errno, caught.value.strerror))
    assert messages == {(errno.EACCES, files.OUTSIDE)}


def test_a_fifo_is_refused_without_waiting_for_a_writer(repo: Path) -> None:
    """Attack: a FIFO with no writer where a file is read. Criterion: Refused at once."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(repo / "fifo.json")
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            files.read_bytes(repo / "fifo.json", 1024)
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion below
            outcome.append(exc)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(5)
    if worker.is_alive():  # unblock it, so the test run can end
        with open(repo / "fifo.json", "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert len(outcome) == 1 and isinstance(outcome[0], files.Refused)
    assert outcome[0].strerror == files.NOT_REGULAR


def test_a_directory_is_not_a_file_and_size_is_capped(repo: Path) -> None:
    """Criterion: a directory is refused; a file over the limit is refused with EFBIG,
    one at the limit is read whole."""
    with pytest.raises(files.Refused, match="not a regular file"):
        files.read_bytes(repo / "a", 1024)
    (repo / "big.json").write_bytes(b"x" * 1025)
    with pytest.raises(files.Refused) as caught:
        files.read_bytes(repo / "big.json", 1024)
    assert caught.value.errno == errno.EFBIG and "1 KiB" in str(caught.value.strerror)
    (repo / "ok.json").write_bytes(b"x" * 1024)
    assert files.read_bytes(repo / "ok.json", 1024) == b"x" * 1024


def test_a_conventional_name_is_taken_as_an_entry_wherever_its_link_points(repo: Path, tmp_path: Path) -> None:
    """Criterion: whether `.vmssplan.yaml` or `x.parameters.json` is taken does not depend on
    whether a symbolic link's target exists (that would tell an attacker it does)."""
    (repo / "dangling").symlink_to(tmp_path / "outside" / "nothing")
    (repo / "pointing").symlink_to(tmp_path / "outside" / "secret")
    assert files.is_entry(repo / "dangling") and files.is_entry(repo / "pointing")
    assert not files.is_entry(repo / "a") and not files.is_entry(repo / "absent")


def test_rule_and_config_files_pass_the_same_gate(repo: Path, tmp_path: Path) -> None:
    """Criterion: read_data_file (rule files, JSON configuration) refuses what the gate
    refuses, naming the file and never its content."""
    (repo / "rules.json").symlink_to(tmp_path / "outside" / "secret")
    with pytest.raises(UsageError) as caught:
        read_data_file(repo / "rules.json", "rule file")
    assert "rules.json" in str(caught.value) and "s3cret" not in str(caught.value)


_YAML_PIECES = st.sampled_from(["fail-on: ", "ignore: ", "rules-dirs: ", "suppressions:\n  - ", "rule: ", "reason: ",
                                "[", "]", "{", "}", ", ", "\n", "  ", "- ", "&a ", "*a", "!!int ", "!!binary ", "'",
                                '"', "\\0", "\\x00", "1" * 5000, "1e999", "0x", "~", "<<: ", "? ", ": ", "#", "---\n",
                                "...\n", "%YAML 1.1\n", "\t", "\x00", "\x1b", "\ufeff", "é", "2026-13-45"])


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(_YAML_PIECES, max_size=30), encoding=st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_any_configuration_text_is_a_config_or_a_usage_error(tmp_path_factory: pytest.TempPathFactory,
                                                            pieces: list[str], encoding: str) -> None:
    """Fuzz (issue 14, point 8): `.vmssplan.yaml` built from YAML's sharp edges (aliases,
    tags, merge keys, NULs, long integers, byte order marks) in three encodings.
    Criterion: load_config returns a Config or raises UsageError; nothing else escapes."""
    repo = tmp_path_factory.mktemp("fuzz")
    (repo / ".git").mkdir()
    path = repo / ".vmssplan.yaml"
    path.write_bytes("".join(pieces).encode(encoding, errors="replace"))
    try:
        load_config(str(path), repo)
    except UsageError as exc:
        assert len(str(exc)) < 600 + len(str(path))


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(st.sampled_from([*'[]{}="\',.\n\\ab1é\x00#', "[tool.vmssplan]\n", "tool", "vmssplan",
                                        "1" * 5000, "fail-on"]), max_size=60))
def test_any_pyproject_text_is_a_config_or_a_usage_error(tmp_path_factory: pytest.TempPathFactory,
                                                         pieces: list[str]) -> None:
    """Fuzz: pyproject.toml text around `[tool.vmssplan]`.
    Criterion: load_config returns a Config or raises UsageError."""
    repo = tmp_path_factory.mktemp("fuzz")
    (repo / ".git").mkdir()
    path = repo / "pyproject.toml"
    path.write_text("[tool.vmssplan]\n" + "".join(pieces), encoding="utf-8")
    try:
        load_config(str(path), repo)
    except UsageError as exc:
        assert str(exc).startswith(str(path))
