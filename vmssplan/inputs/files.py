"""Input: the one gate every file a run opens from disk passes through.

vmssplan runs as a pull-request check, on files written by whoever opened the pull request
and on a runner that holds credentials. A document, a configuration or a command line names
files (a linked template, a parameters file, an instance list, a patch, the configuration
itself); :func:`read_bytes` reads one only when it is

- inside its *boundary*: the repository that holds the name as given (the nearest
  directory upward with ``.git``), or the name's own directory outside a repository
  (:func:`boundary`), reached without leaving it through a symbolic link or ``..``;
- a regular file (a FIFO, a device, a socket or a directory is never opened for reading,
  so nothing blocks);
- at most ``limit`` bytes long.

Anything else is a :class:`Refused` error that says why in words that depend only on the
name as given, never on what lies outside the boundary: a refused name outside reads the
same whether a file is there or not, and the content of a refused file is never read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class Refused(OSError):
    """A file the gate does not read; ``strerror`` says why (the caller names the file)."""


#: What :class:`Refused` says for each reason.
OUTSIDE = "is outside the repository (or, outside a repository, the directory of the file that names it); not read"
NOT_THERE = "no such file"
NOT_REGULAR = "is not a regular file (a directory, FIFO, device or socket); not read"
DENIED = "permission denied"


def boundary(name: str | Path) -> Path:
    """The directory tree a file named ``name`` may be read from: the repository holding it,
    found upward from its directory *as named* (so a symbolic link on the way cannot move
    the boundary), else that directory itself; returned with symbolic links resolved."""
    directory = Path(os.path.abspath(name)).parent
    for candidate in (directory, *directory.parents):
        if os.path.lexists(candidate / ".git"):
            return Path(os.path.realpath(candidate))
    return Path(os.path.realpath(directory))


def is_entry(name: str | Path) -> bool:
    """Whether ``name`` is a directory entry that is not a directory (a file, or a symbolic
    link wherever it points): what a search for a conventional name (a configuration, a
    sibling parameters file) takes, so that whether it is taken never depends on a file
    outside the boundary; the read then refuses what it must."""
    try:
        return not stat.S_ISDIR(os.lstat(name).st_mode)
    except (OSError, ValueError):
        return False


def inside(name: str | Path, root: Path) -> Path:
    """``name`` with symbolic links resolved, if that is inside ``root``; else :class:`Refused`."""
    try:
        target = Path(os.path.realpath(name))
    except (OSError, ValueError):
        raise Refused(errno.EACCES, OUTSIDE) from None
    if not target.is_relative_to(root):
        raise Refused(errno.EACCES, OUTSIDE)
    return target


def read_bytes(name: str | Path, limit: int, root: Path | None = None) -> bytes:
    """The bytes of the file ``name``: inside ``root`` (default: :func:`boundary` of
    ``name``), regular, at most ``limit`` bytes. :class:`Refused` otherwise, with
    ``errno.EFBIG`` for a file over ``limit`` (callers may word that one themselves)."""
    target = inside(name, boundary(name) if root is None else root)
    try:
        if not stat.S_ISREG(os.stat(target).st_mode):  # before opening: opening a FIFO or device acts
            raise Refused(errno.EINVAL, NOT_REGULAR)
        # O_NONBLOCK: should the file be swapped for a FIFO after the check, opening it
        # does not wait for a writer, and the check on the open file below refuses it.
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NOCTTY", 0)
        fd = os.open(target, flags | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise Refused(errno.ENOENT, NOT_THERE) from None
    except PermissionError:
        raise Refused(errno.EACCES, DENIED) from None
    except Refused:
        raise
    except OSError as exc:
        raise Refused(exc.errno or errno.EIO, exc.strerror or "cannot be read") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(errno.EINVAL, NOT_REGULAR)
        if info.st_size > limit:
            raise Refused(errno.EFBIG, f"is larger than {_size(limit)}; not read")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:  # a file growing while it is read stops at limit + 1 bytes
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except Refused:
        raise
    except OSError as exc:
        raise Refused(exc.errno or errno.EIO, exc.strerror or "cannot be read") from None
    finally:
        os.close(fd)
    if size > limit:
        raise Refused(errno.EFBIG, f"is larger than {_size(limit)}; not read")
    return b"".join(chunks)


def _size(limit: int) -> str:
    return f"{limit // 2**20} MiB" if limit >= 2**20 and limit % 2**20 == 0 else f"{limit // 1024} KiB"
