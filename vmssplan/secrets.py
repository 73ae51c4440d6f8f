"""Secrets: values that never reach any output.

A secret is a value under a secret key (adminPassword, customData, protectedSettings) or
a value the user marked secret (a securestring parameter). They are collected while the
documents are read (:func:`collect`) and scrubbed once, from the finished view of the
run, before any format escapes it (:func:`scrub`): an escaped form (a Markdown backslash,
a workflow command's ``%3A``, an XML entity) could otherwise hide a secret from a scrub of
the finished text.
"""

from __future__ import annotations

from typing import Any

from .model import SENSITIVE, string_leaves
from .shape import SECRET_KEYS

#: Secrets shorter than this are not collected: "1234" is no secret worth blanking out of
#: every message.
MIN_SECRET_LENGTH = 4

#: Secrets at least this long are scrubbed wherever they appear in a string; shorter ones
#: only where they are the whole value or quoted inside it, so that a placeholder password
#: such as "string" cannot blank that word out of every message.
SCRUB_ANYWHERE_LENGTH = 8


def collect(value: Any) -> set[str]:
    """Every string (of MIN_SECRET_LENGTH characters or more) under a secret key in ``value``."""
    found: set[str] = set()
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, child in node.items():
                if key in SECRET_KEYS:
                    found.update(s for s in string_leaves(child) if len(s) >= MIN_SECRET_LENGTH)
                else:
                    stack.append(child)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def scrub_string(value: str, secrets: set[str]) -> str:
    """``value`` with every secret in it replaced by :data:`SENSITIVE`: a whole value, a long
    secret anywhere, a short one where it stands quoted (``'abc'``, ``"abc"``)."""
    if value in secrets:
        return SENSITIVE
    for secret in sorted(secrets, key=lambda s: (-len(s), s)):  # longest first, then a fixed order
        if secret not in value:
            continue
        if len(secret) >= SCRUB_ANYWHERE_LENGTH:
            value = value.replace(secret, SENSITIVE)
        else:
            for quote in ('"', "'"):
                value = value.replace(f"{quote}{secret}{quote}", f"{quote}{SENSITIVE}{quote}")
    return value


def scrub(value: Any, secrets: set[str]) -> Any:
    """``value`` (JSON data) with every secret in its strings, keys included, replaced."""
    if not secrets:
        return value
    if isinstance(value, str):
        return scrub_string(value, secrets)
    if isinstance(value, dict):
        return {scrub(k, secrets): scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, secrets) for v in value]
    return value
