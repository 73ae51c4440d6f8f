"""RFC 6901 JSON pointers, the one place they are built and taken apart.

Every path vmssplan prints (a change's ``path``, a finding's ``pointer``) is a pointer into
a JSON document. The escaping is the ``jsonpointer`` package's (a dependency of
jsonpatch): ``~`` is written ``~0`` and ``/`` is written ``~1``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

import jsonpointer

#: ``~`` -> ``~0``, ``/`` -> ``~1`` (jsonpointer's own functions, typed here: it ships no types).
escape: Callable[[str], str] = jsonpointer.escape
unescape: Callable[[str], str] = jsonpointer.unescape

__all__ = ["child", "escape", "join", "split", "unescape"]


def join(tokens: Iterable[object]) -> str:
    """The pointer of a path of keys and indexes: ``("a", 0, "b/c")`` -> ``/a/0/b~1c``."""
    return "".join("/" + escape(str(token)) for token in tokens)


@lru_cache(maxsize=4096)  # rules read the same few pointers for every scale set
def split(pointer: str) -> tuple[str, ...]:
    """The reference tokens of a pointer: ``/a/0/b~1c`` -> ``("a", "0", "b/c")``; ``""`` -> ``()``."""
    if not pointer:
        return ()
    return tuple(unescape(token) for token in pointer.split("/")[1:])


def child(pointer: str, token: object) -> str:
    """``pointer`` extended by one token."""
    return pointer + "/" + escape(str(token))
