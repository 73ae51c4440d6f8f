"""Escaping of input strings, one function per kind of medium, shared by the renderers.

Every string a document, a configuration or a rule file supplies (scale-set names, tag keys
and values, property and extension names, file names, messages that quote them) is
written by whoever opened the pull request, and the output is read by a terminal, a CI
runner that acts on some lines (workflow commands) and people reading a Markdown comment.
No such string may forge output structure:

- **Text** (:func:`text`, for the text, GitHub, JUnit and Markdown renderers): control
  characters (C0, DEL, C1: newline, CR, ESC and so OSC/CSI sequences), lone surrogates,
  non-characters, the Unicode bidi controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F,
  U+061C) and the line and paragraph separators become visible escapes (``\\n``, ``\\x1b``,
  ``\\u202e``); ``##[`` and ``##vso[`` (which the GitHub and Azure DevOps runners act on
  anywhere in a line) become ``\\x23#[``, ``\\x23#vso[``. An escaped string holds no line
  break, so it cannot start a line of its own; :func:`guard_lines` makes sure that no line
  the renderer laid out begins, after blanks, with ``::`` (a GitHub workflow command).
- **JSON** (:func:`json_text`, for the JSON, SARIF, patch and ``--query`` outputs and the JSON
  values the text and Markdown renderers show): the serializer escapes C0 controls; this
  also writes DEL, C1, bidi controls, separators and the ``#`` of ``##[``/``##vso[`` as
  ``\\uXXXX``, which is the same string to any JSON reader.
- **XML** (:func:`xml_text`, for JUnit): the same, with character references.
"""

from __future__ import annotations

import re

#: Characters shown as escapes in text: C0 and C1 controls and DEL, surrogates (lone ones
#: cannot be encoded), the two non-characters, bidi controls and marks, line and paragraph
#: separators.
_TEXT_UNSAFE = ("\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u061c\u200e\u200f\u2028\u2029"
                "\u202a-\u202e\u2066-\u2069")
_UNSAFE = re.compile(f"[{_TEXT_UNSAFE}]")
#: What JSON serializers leave as is: everything above but C0 (always escaped by them).
_JSON_UNSAFE = re.compile("[\x7f-\x9f\ufffe\uffff\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: Logging commands the runners find anywhere in a line: GitHub's legacy ``##[command]``,
#: Azure DevOps's ``##vso[area.action]`` (matched case-blind, to be safe). The match is the
#: first ``#``, the one escaped.
_COMMAND = re.compile(r"#(?=#(?:vso)?\[)", re.IGNORECASE)
#: A line that a runner reads as a workflow command: ``::`` after leading blanks (the GitHub
#: runner trims Unicode white space first). The match is the first ``:``.
_LINE_COMMAND = re.compile(r"^(\s*):(?=:)", re.MULTILINE)

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def text(value: str) -> str:
    """``value`` for a line of text: one line, nothing a terminal or a runner acts on."""
    return _COMMAND.sub(r"\\x23", _UNSAFE.sub(_visible, value))


def guard_lines(output: str) -> str:
    """``output`` with the first ``:`` of any line that would read as a workflow command
    (``::`` after blanks) escaped. The renderers never begin a line so; an input string can
    (a file name first on a line, a word that wrapping puts first)."""
    return _LINE_COMMAND.sub(r"\1\\x3a", output)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_text(serialized: str) -> str:
    """JSON text with what serializers leave raw escaped as ``\\uXXXX``: the same document
    to a JSON reader, nothing a terminal or a CI runner acts on to anyone printing it.

    Sound because every such character, and every ``##[``, sits inside a string literal
    (JSON has none elsewhere), where a ``\\u`` escape means the character itself.
    """
    return _COMMAND.sub(r"\\u0023", _JSON_UNSAFE.sub(_json_escape, serialized))


def xml_text(serialized: str) -> str:
    """Serialized XML with ``##[``/``##vso[`` written ``#&#35;[`` and a line that would begin
    with ``::`` written ``&#58;:``: the same document to an XML reader. Its text must
    already be escaped by :func:`text` (XML 1.0 cannot hold most control characters, even
    as references)."""
    return _LINE_COMMAND.sub(r"\1&#58;", _COMMAND.sub("&#35;", serialized))
