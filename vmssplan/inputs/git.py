"""Documents at a git revision: ``git:REV:PATH`` inputs and ``--base-ref`` planning.

Paths are relative to the working directory, as everywhere else on the command line
(git's ``REV:./PATH`` form). Git's own messages become usage errors (exit 2).
"""

from __future__ import annotations

import os
import subprocess
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
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {' '.join(args)} did not finish within 60 s") from None


def _object(rev: str, path: str) -> str:
    """``REV:./PATH``: git reads ``./`` paths relative to the working directory."""
    relative = os.path.relpath(path) if os.path.isabs(path) else path
    return f"{rev}:./{PurePosixPath(relative.replace(os.sep, '/'))}"


def read_bytes(spec_text: str) -> bytes:
    """The bytes of ``git:REV:PATH``."""
    rev, path = parse_spec(spec_text)
    proc = _git("show", _object(rev, path))
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"{spec_text}: {message[-1] if message else 'git show failed'}")
    return proc.stdout


def exists(rev: str, path: str) -> bool:
    return _git("cat-file", "-e", _object(rev, path)).returncode == 0


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
