"""Secrets: values that never reach any output.

A secret is a value under a secret key (adminPassword, customData, protectedSettings) or
a value the user marked secret (a securestring parameter). Three things are done with
them, each here and once:

- collected while the documents are read (:func:`collect`; the template evaluator adds the
  values of secure parameters);
- masked in the values of each change as it is classified (:class:`Mask`);
- scrubbed from the finished view of the run, before any format escapes it
  (:func:`scrub`): an escaped form (a Markdown backslash, a workflow command's ``%3A``, an
  XML entity) could otherwise hide a secret from a scrub of the finished text.
"""

from __future__ import annotations

from typing import Any

from .model import KNOWN_AFTER_DEPLOYMENT, SENSITIVE, SensitiveValue, first_unknown, is_unknown, string_leaves
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
                    found |= secret_strings(child)
                else:
                    stack.append(child)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def secret_strings(value: Any) -> set[str]:
    """The strings of a secret value worth scrubbing (MIN_SECRET_LENGTH characters or more)."""
    return {s for s in string_leaves(value) if len(s) >= MIN_SECRET_LENGTH}


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


#: Types of JSON scalars: such a value holds no secret and no unknown, so it needs no walk.
#: (Exact types: a subclass, such as a marker class, takes the general path.)
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


class Mask:
    """Masks the values of a change for output, in one walk, noting what the plan must say
    of them: a secret inside (``holds_secret``), a value known only after deployment
    (``unknown``, the first one). The masks are the model's :data:`SENSITIVE` and
    :data:`KNOWN_AFTER_DEPLOYMENT`; a secret is never kept in a change."""

    __slots__ = ("holds_secret", "unknown")

    def __init__(self) -> None:
        #: The first value known only after deployment, in document order (before side first).
        self.unknown: Any = None
        #: Whether a SensitiveValue or a secret key (SECRET_KEYS) was seen.
        self.holds_secret = False

    def masked(self, value: Any, secret_path: bool) -> Any:
        """``value`` with every secret replaced by :data:`SENSITIVE` and every value known
        only after deployment by :data:`KNOWN_AFTER_DEPLOYMENT`; ``secret_path`` says that
        the value sits at a secret path (``shape.is_secret``), so all of it is masked."""
        if secret_path:
            self._note_unknown(value)
            return _masked_whole(value)
        return self._masked(value)

    def _masked(self, value: Any) -> Any:
        # A path is secret when any of its keys is one of SECRET_KEYS (shape.is_secret),
        # so below a path that is not, only the key just added needs checking: no path
        # tuples are built. Array indices are never secret keys.
        if type(value) in _JSON_SCALARS:
            return value
        if isinstance(value, SensitiveValue):
            self.holds_secret = True
            return SENSITIVE
        if is_unknown(value):
            if self.unknown is None:
                self.unknown = value
            if getattr(value, "secret", False):
                # Computed from a secret: shown as a secret whether or not it is known offline,
                # so that which one it is (did an expression over the secret fail?) tells nothing.
                self.holds_secret = True
                return SENSITIVE
            # Its known parts, if any ("/subscriptions/(known after deployment)/.../subnets/app");
            # an unknown derived from a secret keeps none (``Unknown.concealed``).
            rendered = value.render()
            return rendered if isinstance(rendered, str) else KNOWN_AFTER_DEPLOYMENT
        if isinstance(value, dict):
            masked = {}
            for key, item in value.items():
                if key in SECRET_KEYS:
                    self.holds_secret = True
                    self._note_unknown(item)
                    masked[key] = _masked_whole(item)
                else:
                    masked[key] = self._masked(item)
            return masked
        if isinstance(value, list):
            return [self._masked(item) for item in value]
        return value

    def _note_unknown(self, value: Any) -> None:
        """Look for an unknown in a value that is masked whole (it is not walked otherwise)."""
        if self.unknown is None and type(value) not in _JSON_SCALARS:
            self.unknown = first_unknown(value)


def _masked_whole(value: Any) -> Any:
    """A value at a secret path, as shown: nothing of it (an absent value stays absent)."""
    return None if value is None else SENSITIVE
