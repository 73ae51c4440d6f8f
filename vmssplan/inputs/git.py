"""Documents at a git revision: ``git:REV:PATH`` inputs and ``--base-ref`` planning.

Paths are relative to the working directory, as everywhere else on the command line
(git's ``REV:./PATH`` form). Git's own messages become usage errors (exit 2).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath

from ..model import UsageError

PREFIX = "git:"


def is_git_spec(path: str) -> bool:
    return path.startswith(PREFIX)


def parse_spec(spec: str) -> tuple[str, str]:
    """``git:REV:PATH`` -> (REV, PATH)."""
    rev, sep, path = spec[len(PREFIX):].partition(":")
    if not rev or not sep or not path:
        raise UsageError(f"{spec}: expected git:REV:PATH, e.g. git:HEAD:azuredeploy.json")
    return rev, path


def spec(rev: str, path: str) -> str:
    return f"{PREFIX}{rev}:{path}"


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], capture_output=True, check=False, timeout=60)
    except FileNotFoundError:
        raise UsageError("git is not installed (needed for git:REV:PATH and --base-ref)") from None
    except OSError as exc:  # a `git` on PATH that is not executable, or not a program
        raise UsageError(f"git cannot be run ({exc.strerror or exc}; needed for git:REV:PATH and --base-ref)") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {' '.join(args)} did not finish within 60 s") from None


def _object(rev: str, path: str) -> str:
    """``REV:./PATH``: git reads ``./`` paths relative to the working directory."""
    relative = os.path.relpath(path) if os.path.isabs(path) else path
    return f"{rev}:./{PurePosixPath(relative.replace(os.sep, '/'))}"


def read_bytes(spec_text: str) -> bytes:
    """The bytes of ``git:REV:PATH``; in a session, read by its one ``git cat-file --batch``."""
    rev, path = parse_spec(spec_text)
    if _session is not None:
        found = _batch_read(rev, path)
        if found is not None:
            return found
    proc = _git("show", _object(rev, path))
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"{spec_text}: {message[-1] if message else 'git show failed'}")
    return proc.stdout


#: What the current session (see :func:`session`) has asked git, by (directory, revision):
#: the tree's file paths; by (directory, ""): the repository's top directory.
_session: dict[tuple[str, str], object] | None = None


@contextlib.contextmanager
def session() -> Iterator[None]:
    """While it lasts, the tree of a revision is listed once (``git ls-tree``) and every
    :func:`exists` is answered from it, and files are read through one ``git cat-file
    --batch``: ``--base-ref`` asks for each changed file and its parameters file, dozens of
    processes otherwise. Outside a session nothing is kept: a
    revision like HEAD may move between two calls of a long-lived process."""
    global _session
    _session = {}
    try:
        yield
    finally:
        for value in _session.values():
            if isinstance(value, subprocess.Popen):
                value.communicate()  # closes its input: the batch ends
        _session = None


def exists(rev: str, path: str) -> bool:
    """Whether ``path`` (relative to the working directory) is in the tree of ``rev``."""
    if _session is not None:
        relative, files = _from_top(path), _session_value(rev, lambda: _tree(rev))
        if relative is not None and isinstance(files, frozenset):
            return relative in files
    return _git("cat-file", "-e", _object(rev, path)).returncode == 0


def _session_value(key: str, make: Callable[[], object]) -> object:
    assert _session is not None
    full_key = (os.getcwd(), key)
    if full_key not in _session:
        _session[full_key] = make()
    return _session[full_key]


def _from_top(path: str) -> str | None:
    """``path`` from the top of the repository (as git's trees name it), or None when it
    is outside or there is no repository."""
    top = _session_value("", _toplevel)
    if not isinstance(top, str):
        return None
    relative = os.path.relpath(os.path.realpath(path), top)
    return None if relative.startswith("..") else relative.replace(os.sep, "/")


def _batch_read(rev: str, path: str) -> bytes | None:
    """The blob at ``path`` of ``rev`` through the session's ``git cat-file --batch``, or
    None (not a file of the revision, or no batch process): the caller asks git itself."""
    relative = _from_top(path)
    batch = _session_value("cat-file", _start_batch)
    if relative is None or not isinstance(batch, subprocess.Popen) or "\n" in relative:
        return None
    assert batch.stdin is not None and batch.stdout is not None
    batch.stdin.write(f"{rev}:{relative}\n".encode("utf-8", "surrogateescape"))
    batch.stdin.flush()
    header = batch.stdout.readline().split()
    if len(header) != 3 or header[1] != b"blob":
        return None  # "<name> missing", or a tree: no content follows
    content: bytes = batch.stdout.read(int(header[2]))
    batch.stdout.read(1)  # the newline after the content
    return content


def _start_batch() -> subprocess.Popen[bytes] | None:
    try:
        return subprocess.Popen(["git", "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
    except OSError:
        return None


def _tree(rev: str) -> frozenset[str] | None:
    """Every file path of ``rev``'s tree, from the repository root; None if git says no."""
    proc = _git("ls-tree", "-r", "-t", "-z", "--name-only", "--full-tree", rev)  # -t: directories too, as cat-file -e
    if proc.returncode != 0:
        return None
    return frozenset(name.decode("utf-8", "surrogateescape") for name in proc.stdout.split(b"\0") if name)


def _toplevel() -> str | None:
    proc = _git("rev-parse", "--show-toplevel")
    top = proc.stdout.decode("utf-8", "surrogateescape").strip()
    return os.path.realpath(top) if proc.returncode == 0 and top else None


def verify_revision(rev: str) -> None:
    proc = _git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if proc.returncode != 0:
        raise UsageError(f"--base-ref {rev}: no such revision in this repository")


def changed_files(rev: str, paths: tuple[str, ...] = ()) -> list[str]:
    """JSON files changed between ``rev`` and the working tree (added, copied, modified,
    renamed), relative to the working directory, sorted."""
    verify_revision(rev)
    proc = _git("diff", "--name-only", "--relative", "--diff-filter=ACMR", rev, "--", *(paths or ("*.json",)))
    if proc.returncode != 0:
        raise UsageError(f"git diff {rev}: {proc.stderr.decode('utf-8', 'replace').strip()}")
    names = proc.stdout.decode("utf-8", "replace").splitlines()
    return sorted(n for n in names if n.lower().endswith(".json"))
