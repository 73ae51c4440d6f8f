"""Documents at a git revision: ``git:REV:PATH`` inputs and ``--base-ref`` planning.

Paths are relative to the working directory, as everywhere else on the command line
(git's ``REV:./PATH`` form). Git's own messages become usage errors (exit 2).

Git is driven so that no name can steer it: every revision goes after ``--end-of-options``
(and a revision may not start with ``-``), every path after ``--`` or inside a
``REV:./PATH`` object name, and names come back NUL-separated (``-z``), so a name with a
tab, a quote, a newline or non-ASCII letters is read as it is.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..model import UsageError

PREFIX = "git:"


def is_git_spec(path: str) -> bool:
    return path.startswith(PREFIX)


def parse_spec(spec: str) -> tuple[str, str]:
    """``git:REV:PATH`` -> (REV, PATH)."""
    rev, sep, path = spec[len(PREFIX):].partition(":")
    if not rev or not sep or not path:
        raise UsageError(f"{spec}: expected git:REV:PATH, e.g. git:HEAD:azuredeploy.json")
    check_revision(rev, spec)
    return rev, path


def check_revision(rev: str, what: str) -> None:
    """A revision is never an option of git (``-p``, ``--output=FILE``), nor holds a NUL or
    a line break (the batch reader takes one name a line)."""
    if rev.startswith("-") or any(c in rev for c in "\0\n\r"):
        raise UsageError(f"{what}: a revision cannot start with '-' or hold a line break")


def disk_path(path: str) -> str:
    """``path`` as a name no reader takes for ``git:REV:PATH``: a file found on disk named
    ``git:HEAD:x.json`` is that file (``./git:HEAD:x.json``), never a revision path."""
    return "./" + path if is_git_spec(path) else path


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
    proc = _git("show", "--no-textconv", "--end-of-options", _object(rev, path))
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
    return _git("cat-file", "-e", "--end-of-options", _object(rev, path)).returncode == 0


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
    # The directories resolved as git's top is, the name itself not: a file that is a symbolic
    # link in the working tree is asked of the revision by its own name, not its target's.
    absolute = os.path.abspath(path)
    relative = os.path.relpath(os.path.join(os.path.realpath(os.path.dirname(absolute)),
                                            os.path.basename(absolute)), top)
    return None if relative.startswith("..") else relative.replace(os.sep, "/")


#: What ``cat-file --batch --follow-symlinks`` says of a symbolic link it cannot follow
#: inside the revision's tree (its target follows, which is not read as the file).
_UNFOLLOWED_LINKS = {b"symlink": "a symbolic link to a path outside the repository",
                     b"dangling": "a symbolic link to nothing", b"loop": "a loop of symbolic links",
                     b"notdir": "a symbolic link through a file"}


def _batch_read(rev: str, path: str) -> bytes | None:
    """The blob at ``path`` of ``rev`` through the session's ``git cat-file --batch``, or
    None (not a file of the revision, or no batch process): the caller asks git itself.
    A symbolic link of the revision is followed inside its tree (a link turned into a file
    is planned against what the link held); one that leads elsewhere is a usage error."""
    relative = _from_top(path)
    batch = _session_value("cat-file", _start_batch)
    if relative is None or not isinstance(batch, subprocess.Popen) or any(c in relative for c in "\n\r"):
        return None
    assert batch.stdin is not None and batch.stdout is not None
    try:
        batch.stdin.write(f"{rev}:{relative}\n".encode("utf-8", "surrogateescape"))
        batch.stdin.flush()
    except OSError:  # the batch process is gone: ask git itself
        return None
    line = batch.stdout.readline()
    if not line or line.endswith((b" missing\n", b" ambiguous\n")):
        return None  # "<name> missing": nothing follows
    header = line.split()
    if len(header) == 2 and header[0] in _UNFOLLOWED_LINKS and header[1].isdigit():
        batch.stdout.read(int(header[1]) + 1)  # the link's name and a newline
        raise UsageError(f"{spec(rev, path)}: {_UNFOLLOWED_LINKS[header[0]]} at {rev}; not read")
    if len(header) != 3 or not header[2].isdigit():
        return None
    content: bytes = batch.stdout.read(int(header[2]))
    batch.stdout.read(1)  # the newline after the content
    return content if header[1] == b"blob" else None  # a tree's content is read past, not used


def _start_batch() -> subprocess.Popen[bytes] | None:
    try:
        return subprocess.Popen(["git", "cat-file", "--batch", "--follow-symlinks"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError:
        return None


def _tree(rev: str) -> frozenset[str] | None:
    """Every file path of ``rev``'s tree, from the repository root; None if git says no."""
    # -t: directories too, as cat-file -e answers
    proc = _git("ls-tree", "-r", "-t", "-z", "--name-only", "--full-tree", "--end-of-options", rev)
    if proc.returncode != 0:
        return None
    return frozenset(name.decode("utf-8", "surrogateescape") for name in proc.stdout.split(b"\0") if name)


def present(rev: str, paths: list[str]) -> set[str]:
    """Which of ``paths`` (relative to the working directory, inside the repository) are in
    the tree of ``rev``: one ``git ls-tree`` for them all."""
    top = toplevel()
    if top is None or not paths:
        return set()
    relative = {os.path.relpath(os.path.abspath(p), top).replace(os.sep, "/"): p for p in paths}
    inside = sorted(r for r in relative if not r.startswith(".."))
    proc = _git("--literal-pathspecs", "ls-tree", "-z", "--name-only", "--full-tree", "--end-of-options", rev,
                "--", *inside)
    if proc.returncode != 0:
        return set()
    names = {name.decode("utf-8", "surrogateescape") for name in proc.stdout.split(b"\0") if name}
    return {relative[name] for name in names if name in relative}


def list_directory(rev: str, path: str) -> list[tuple[str, bool, int]] | None:
    """(name, whether it is a regular file, size in bytes) of each entry of directory
    ``path`` at ``rev``, in name order; None when it is not a directory of the revision. A
    symbolic link, a subdirectory or a submodule is not a regular file. In a session, every
    directory is answered from one listing of the whole tree."""
    if _session is not None:
        relative = _from_top(path)
        directories = _session_value(f"\0directories\0{rev}", lambda: _directories(rev))
        if relative is not None and isinstance(directories, dict):
            found = directories.get("" if relative == "." else relative)
            return sorted(found) if found is not None else None
    proc = _git("ls-tree", "-z", "-l", "--end-of-options", _object(rev, path))
    if proc.returncode != 0:
        return None
    out = []
    for raw in proc.stdout.split(b"\0"):
        entry = _entry(raw)
        if entry is not None:
            out.append(entry[1:])
    return sorted(out)


def _entry(raw: bytes) -> tuple[str, str, bool, int] | None:
    """(path, name, regular file, size) of one ``git ls-tree -z -l`` entry, or None."""
    meta, tab, raw_name = raw.partition(b"\t")
    fields = meta.split()
    if not tab or len(fields) != 4:
        return None
    mode, kind, _, size = fields
    name = raw_name.decode("utf-8", "surrogateescape")
    return name, name.rsplit("/", 1)[-1], kind == b"blob" and mode in (b"100644", b"100755"), \
        int(size) if size.isdigit() else 0


def _directories(rev: str) -> dict[str, set[tuple[str, bool, int]]] | None:
    """Every directory of ``rev``'s tree (from the repository root, "" for the root) with
    its entries, from one ``git ls-tree -r -t -l``."""
    proc = _git("ls-tree", "-r", "-t", "-z", "-l", "--full-tree", "--end-of-options", rev)
    if proc.returncode != 0:
        return None
    directories: dict[str, set[tuple[str, bool, int]]] = {"": set()}
    for raw in proc.stdout.split(b"\0"):
        entry = _entry(raw)
        if entry is None:
            continue
        path, name, regular, size = entry
        parent = path.rsplit("/", 1)[0] if "/" in path else ""
        directories.setdefault(parent, set()).add((name, regular, size))
        if raw.split(b" ", 2)[1:2] == [b"tree"]:
            directories.setdefault(path, set())
    return directories


def indexed(directory: str) -> set[str]:
    """The names of the files directly in ``directory`` (relative to the working directory)
    that git tracks or has staged: what a commit holds, untracked files left out. In a
    session, one listing of the index answers every directory."""
    if _session is not None:
        relative = _from_top(directory or ".")
        index = _session_value("\0index", _index)
        if relative is not None and isinstance(index, dict):
            return set(index.get("" if relative == "." else relative, ()))
    proc = _git("--literal-pathspecs", "ls-files", "-z", "--cached", "--", directory or ".")
    if proc.returncode != 0:
        return set()
    names = (name.decode("utf-8", "surrogateescape") for name in proc.stdout.split(b"\0") if name)
    here = os.path.abspath(directory or ".")  # git names them from the working directory
    return {os.path.basename(name) for name in names if os.path.abspath(os.path.dirname(name) or ".") == here}


def _index() -> dict[str, set[str]] | None:
    """The files git tracks or has staged, by directory from the repository root."""
    proc = _git("ls-files", "-z", "--cached", "--full-name", "--", ":/")
    if proc.returncode != 0:
        return None
    index: dict[str, set[str]] = {}
    for raw in proc.stdout.split(b"\0"):
        if raw:
            path = raw.decode("utf-8", "surrogateescape")
            parent, _, name = path.rpartition("/")
            index.setdefault(parent, set()).add(name)
    return index


def toplevel() -> Path | None:
    """The top directory of the repository around the working directory (symbolic links
    resolved), or None outside one."""
    if _session is not None:
        top = _session_value("", _toplevel)
        return Path(top) if isinstance(top, str) else None
    found = _toplevel()
    return Path(found) if found is not None else None


def _toplevel() -> str | None:
    proc = _git("rev-parse", "--show-toplevel")
    top = proc.stdout.decode("utf-8", "surrogateescape").strip()
    return os.path.realpath(top) if proc.returncode == 0 and top else None


def verify_revision(rev: str) -> None:
    check_revision(rev, f"--base-ref {rev}")
    proc = _git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    if proc.returncode != 0:
        raise UsageError(f"--base-ref {rev}: no such revision in this repository")


#: The variables pre-commit sets for ``pre-commit run --from-ref X --to-ref Y`` (and for
#: pre-push hooks): the range a hook is asked to check.
FROM_REF, TO_REF = "PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF"


@dataclass(frozen=True)
class Range:
    """What ``--base-ref REV`` compares: ``base`` (a revision every ``git:`` spec may name),
    against ``head`` (a revision), or the working tree when ``head`` is None."""

    base: str
    head: str | None = None


def resolve_range(rev: str) -> Range:
    """The range ``--base-ref REV`` plans. ``HEAD`` is what the hook passes, and means what
    the hook was asked: with ``PRE_COMMIT_FROM_REF``/``PRE_COMMIT_TO_REF`` set (``pre-commit
    run --from-ref X --to-ref Y``, as CI runs hooks; pre-push), the files at Y against X
    (where Y branched from X, as pre-commit chooses the files); in a repository with no
    commit yet (the first commit), the empty tree, so that every staged file is new. Any
    other revision must exist."""
    if rev == "HEAD":
        source, target = os.environ.get(FROM_REF, ""), os.environ.get(TO_REF, "")
        if source and target:
            for name, value in ((FROM_REF, source), (TO_REF, target)):
                check_revision(value, name)
                if _git("rev-parse", "--verify", "--quiet", "--end-of-options",
                        f"{value}^{{commit}}").returncode != 0:
                    raise UsageError(f"{name}={value}: no such revision in this repository")
            fork = _git("merge-base", "--end-of-options", source, target)
            base = fork.stdout.decode("ascii", "replace").strip() if fork.returncode == 0 else ""
            same = _git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{source}^{{commit}}")
            if not base or base == same.stdout.decode("ascii", "replace").strip():
                base = source  # the usual case: named as the user named it
            return Range(base, target)
        if _unborn_head():
            return Range(empty_tree())
    verify_revision(rev)
    return Range(rev)


def _unborn_head() -> bool:
    """Whether HEAD names a branch with no commit yet (a new repository)."""
    if _git("rev-parse", "--verify", "--quiet", "HEAD^{commit}").returncode == 0:
        return False
    return _git("symbolic-ref", "--quiet", "HEAD").returncode == 0


def empty_tree() -> str:
    """The id of the empty tree in this repository's hash (SHA-1 or SHA-256)."""
    proc = _git("hash-object", "-t", "tree", os.devnull)
    tree = proc.stdout.decode("ascii", "replace").strip()
    if proc.returncode != 0 or not tree:
        raise UsageError("--base-ref HEAD: this repository has no commit, and git cannot name its empty tree")
    return tree


@dataclass(frozen=True)
class Changed:
    """A JSON file changed in a range: its path in the working tree (or at the range's head)
    and, for a rename, its path at the base (both relative to the working directory); a
    deleted file is named by its path at the base."""

    path: str
    old_path: str | None = None
    deleted: bool = False


def changed_files(changes: Range | str) -> list[Changed]:
    """JSON files changed in ``changes`` (added, copied, modified, renamed, deleted, or a
    symbolic link turned into a file), in the whole repository whatever the working
    directory, named relative to it, sorted by path. Renames are followed whatever
    ``diff.renames`` says; names are NUL-separated."""
    if isinstance(changes, str):
        verify_revision(changes)
        changes = Range(changes)
    top = toplevel()
    if top is None:
        raise UsageError(f"--base-ref {changes.base}: not inside a git repository")
    heads = (changes.head,) if changes.head is not None else ()
    proc = _git("diff", "--name-status", "-z", "--find-renames", "--no-ext-diff", "--no-relative",
                "--diff-filter=ACMRTD", "--end-of-options", changes.base, *heads)
    if proc.returncode != 0:
        raise UsageError(f"git diff {changes.base}: {proc.stderr.decode('utf-8', 'replace').strip()}")
    fields = [f.decode("utf-8", "surrogateescape") for f in proc.stdout.split(b"\0")]

    def here(name: str) -> str:  # git names it from the top of the repository
        return os.path.relpath(os.path.join(top, name)).replace(os.sep, "/")

    out: list[Changed] = []
    position = 0
    while position + 1 < len(fields) and fields[position]:
        status = fields[position]
        if status[:1] in ("R", "C") and position + 2 < len(fields):
            old, new = fields[position + 1], fields[position + 2]
            position += 3
            out.append(Changed(here(new), here(old) if status[0] == "R" else None))
        else:
            out.append(Changed(here(fields[position + 1]), deleted=status[:1] == "D"))
            position += 2
    return sorted((c for c in out if c.path.lower().endswith(".json")), key=lambda c: c.path)
