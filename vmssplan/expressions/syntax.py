"""Lexer, syntax tree and parser of ARM template expressions (facts 1.1-1.3).

The parser is iterative (an explicit stack instead of recursion), so a pathological
expression such as 10,000 nested calls fails with a clean :class:`ExpressionError`
instead of exhausting Python's stack. Every node records its ``start``/``end``
offsets in the *whole* JSON string (``[`` included), which the evaluator uses for
error locations and for the residual text carried by :class:`Unknown` values.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import MAX_EXPRESSION_LENGTH, MAX_NESTING_DEPTH, ExpressionError

_INT32_MIN = -(2**31)
_INT32_MAX = 2**31 - 1


# --------------------------------------------------------------------------- JSON strings


def is_expression(text: str) -> bool:
    """True when a JSON string value is an ARM expression (facts 1.1).

    It must start with ``[`` and end with ``]`` (nothing is trimmed first) and must not
    start with the ``[[`` escape. ``"[]"`` counts as an expression (one that fails to parse).
    """
    return isinstance(text, str) and len(text) >= 2 and text[0] == "[" and text[-1] == "]" and text[1] != "["


def unescape_literal(text: str) -> str:
    """The value a non-expression JSON string stands for.

    ``"[[x]"`` becomes ``"[x]"`` (only the first character is dropped); every other
    literal, including ``"[[x"`` and ``"[x] y"``, is returned unchanged.
    """
    if len(text) >= 3 and text[0] == "[" and text[1] == "[" and text[-1] == "]":
        return text[1:]
    return text


# --------------------------------------------------------------------------- syntax tree


@dataclass(frozen=True, slots=True)
class StringLiteral:
    """``'text'`` (doubled quotes already collapsed)."""

    value: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class IntegerLiteral:
    """A 32-bit integer literal such as ``-5``."""

    value: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """``name(args...)``; ``name`` may be ``namespace.member`` (a user function)."""

    name: str
    args: tuple[Node, ...]
    start: int
    end: int

    @property
    def key(self) -> str:
        """The case-insensitive lookup key of the function name."""
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class PropertyAccessor:
    """``.name`` after a call."""

    name: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class IndexAccessor:
    """``[expr]`` after a call: an array index or an object key."""

    index: Node
    start: int
    end: int


Accessor = PropertyAccessor | IndexAccessor


@dataclass(frozen=True, slots=True)
class Access:
    """A call followed by one or more accessors: ``f(x).a[0]['b-c']``."""

    target: FunctionCall
    accessors: tuple[Accessor, ...]
    start: int
    end: int


Node = StringLiteral | IntegerLiteral | FunctionCall | Access


# --------------------------------------------------------------------------- lexer

_PUNCTUATION = "(),.[]"


class _Token:
    __slots__ = ("end", "kind", "start", "value")

    def __init__(self, kind: str, value: object, start: int, end: int) -> None:
        self.kind = kind  # "str" | "int" | "ident" | one of _PUNCTUATION | "end"
        self.value = value
        self.start = start
        self.end = end


def _is_identifier_char(char: str) -> bool:
    return char.isalpha() or char.isdecimal() or char in "$_"


def _describe(token: _Token) -> str:
    if token.kind == "end":
        return "the end of the expression"
    if token.kind == "str":
        return "a string"
    if token.kind == "int":
        return f"the number {token.value}"
    if token.kind == "ident":
        return f"'{token.value}'"
    return f"'{token.kind}'"


def _tokenize(text: str, start: int, end: int) -> list[_Token]:
    """Split ``text[start:end]`` (the part between the outer brackets) into tokens."""
    tokens: list[_Token] = []
    i = start
    while i < end:
        char = text[i]
        if char.isspace():
            i += 1
            continue
        if char == "'":
            parts: list[str] = []
            j = i + 1
            while True:
                close = text.find("'", j, end)
                if close < 0:
                    raise ExpressionError("unterminated string literal", text, i)
                parts.append(text[j:close])
                if close + 1 < end and text[close + 1] == "'":
                    parts.append("'")
                    j = close + 2
                    continue
                break
            tokens.append(_Token("str", "".join(parts), i, close + 1))
            i = close + 1
            continue
        if char.isdecimal() or (char in "+-" and i + 1 < end and text[i + 1].isdecimal()):
            j = i + 1
            while j < end and text[j].isdecimal():
                j += 1
            if j < end and text[j] == "." and j + 1 < end and text[j + 1].isdecimal():
                raise ExpressionError(
                    "floating point numbers are not supported in expressions (use json('1.5'))", text, i
                )
            if (
                j < end
                and text[j] in "eE"
                and j + 1 < end
                and (text[j + 1].isdecimal() or text[j + 1] in "+-")
            ):
                raise ExpressionError(
                    "floating point numbers are not supported in expressions (use json('1e3'))", text, i
                )
            if j < end and _is_identifier_char(text[j]):
                k = j
                while k < end and _is_identifier_char(text[k]):
                    k += 1
                raise ExpressionError(f"invalid number '{text[i:k]}'", text, i)
            literal = text[i:j]
            try:
                number = int(literal)
            except ValueError:  # e.g. non-ASCII decimal digits int() rejects
                raise ExpressionError(f"invalid number '{literal}'", text, i) from None
            if not _INT32_MIN <= number <= _INT32_MAX:
                raise ExpressionError(
                    f"invalid number '{literal}': outside the 32-bit integer range", text, i
                )
            tokens.append(_Token("int", number, i, j))
            i = j
            continue
        if char.isalpha() or char in "$_":
            j = i + 1
            while j < end and _is_identifier_char(text[j]):
                j += 1
            tokens.append(_Token("ident", text[i:j], i, j))
            i = j
            continue
        if char in _PUNCTUATION:
            tokens.append(_Token(char, char, i, i + 1))
            i += 1
            continue
        raise ExpressionError(f"unexpected character {char!r}", text, i)
    tokens.append(_Token("end", None, end, end))
    return tokens


# --------------------------------------------------------------------------- parser


class _CallFrame:
    __slots__ = ("args", "name", "start")

    def __init__(self, name: str, start: int, args: list[Node]) -> None:
        self.name = name
        self.start = start
        self.args = args


class _IndexFrame:
    __slots__ = ("accessors", "open_start", "target")

    def __init__(self, target: FunctionCall, accessors: list[Accessor], open_start: int) -> None:
        self.target = target
        self.accessors = accessors
        self.open_start = open_start


class _Parser:
    """Iterative parser over a token list (grammar of facts 1.3)."""

    def __init__(self, text: str, tokens: list[_Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.pos = 0

    def _next(self) -> _Token:
        token = self.tokens[self.pos]
        if token.kind != "end":
            self.pos += 1
        return token

    def _peek(self) -> _Token:
        return self.tokens[self.pos]

    def _fail(self, message: str, token: _Token) -> ExpressionError:
        return ExpressionError(message, self.text, token.start)

    def _chain(self, target: FunctionCall, accessors: list[Accessor]) -> Node | _IndexFrame:
        """Read ``.name`` / ``[`` accessors after a call; stop at ``[`` to parse its index."""
        while True:
            token = self._peek()
            if token.kind == ".":
                self._next()
                name = self._next()
                if name.kind != "ident":
                    raise self._fail(f"expected a property name after '.', found {_describe(name)}", name)
                accessors.append(PropertyAccessor(str(name.value), token.start, name.end))
            elif token.kind == "[":
                self._next()
                return _IndexFrame(target, accessors, token.start)
            else:
                if not accessors:
                    return target
                return Access(target, tuple(accessors), target.start, accessors[-1].end)

    def parse(self) -> Node:
        stack: list[_CallFrame | _IndexFrame] = []
        while True:
            # 1. One primary: a literal, or a call (which may open a frame).
            token = self._next()
            result: Node | _IndexFrame
            if token.kind == "str" or token.kind == "int":
                if token.kind == "str":
                    result = StringLiteral(str(token.value), token.start, token.end)
                else:
                    result = IntegerLiteral(int(token.value), token.start, token.end)  # type: ignore[call-overload]
                follower = self._peek()
                if follower.kind in ".[":
                    raise self._fail(
                        "property access and indexing are only allowed after a function call", follower
                    )
            elif token.kind == "ident":
                name = str(token.value)
                if self._peek().kind == ".":
                    self._next()
                    member = self._next()
                    if member.kind != "ident":
                        raise self._fail(
                            f"expected a function name after '{name}.', found {_describe(member)}", member
                        )
                    name = f"{name}.{member.value}"
                opening = self._next()
                if opening.kind != "(":
                    raise self._fail(
                        f"expected '(' after the function name '{name}', found {_describe(opening)}", opening
                    )
                if self._peek().kind == ")":
                    closing = self._next()
                    result = self._chain(FunctionCall(name, (), token.start, closing.end), [])
                else:
                    stack.append(_CallFrame(name, token.start, []))
                    if len(stack) > MAX_NESTING_DEPTH:
                        raise self._fail(
                            f"expression is nested too deeply (more than {MAX_NESTING_DEPTH} levels)", token
                        )
                    continue
            else:
                expected = "a function name" if not stack else "an expression"
                raise self._fail(f"expected {expected}, found {_describe(token)}", token)

            # 2. Attach completed nodes to their frames until a new primary is needed.
            while True:
                if isinstance(result, _IndexFrame):
                    stack.append(result)
                    if len(stack) > MAX_NESTING_DEPTH:
                        raise ExpressionError(
                            f"expression is nested too deeply (more than {MAX_NESTING_DEPTH} levels)",
                            self.text,
                            result.open_start,
                        )
                    break
                node = result
                if not stack:
                    tail = self._next()
                    if tail.kind != "end":
                        raise self._fail(
                            f"unexpected {_describe(tail)} after the end of the expression", tail
                        )
                    return node
                frame = stack[-1]
                separator = self._next()
                if isinstance(frame, _CallFrame):
                    frame.args.append(node)
                    if separator.kind == ",":
                        break
                    if separator.kind == ")":
                        stack.pop()
                        call = FunctionCall(frame.name, tuple(frame.args), frame.start, separator.end)
                        result = self._chain(call, [])
                        continue
                    raise self._fail(
                        f"expected ',' or ')' in the arguments of '{frame.name}', found {_describe(separator)}",
                        separator,
                    )
                if separator.kind != "]":
                    raise self._fail(f"expected ']', found {_describe(separator)}", separator)
                stack.pop()
                frame.accessors.append(IndexAccessor(node, frame.open_start, separator.end))
                result = self._chain(frame.target, frame.accessors)


# Large enough for both sides of a plan of ARM's largest template (800 resources, 4 MB):
# the proposed side's expressions, mostly the current side's, are then parsed once.
@functools.lru_cache(maxsize=1 << 16)
def parse(expression: str) -> Node:
    """Parse a JSON string that :func:`is_expression` accepts into a syntax tree.

    Raises :class:`ExpressionError` (with the offset of the problem) for anything else,
    including ``"[]"``, a too-long expression and too-deep nesting. Results are cached.
    """
    if not isinstance(expression, str):
        raise ExpressionError(f"an expression must be a string, not {type(expression).__name__}")
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"expression is {len(expression)} characters long; ARM allows at most {MAX_EXPRESSION_LENGTH}",
            expression,
            MAX_EXPRESSION_LENGTH,
        )
    if not is_expression(expression):
        raise ExpressionError("not an expression: it must start with '[' and end with ']'", expression, 0)
    tokens = _tokenize(expression, 1, len(expression) - 1)
    return _Parser(expression, tokens).parse()


def iter_nodes(root: Node) -> Iterator[Node]:
    """Every node of a tree (pre-order, iterative), index expressions included."""
    pending: list[Node] = [root]
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, FunctionCall):
            pending.extend(reversed(node.args))
        elif isinstance(node, Access):
            for accessor in reversed(node.accessors):
                if isinstance(accessor, IndexAccessor):
                    pending.append(accessor.index)
            pending.append(node.target)


def function_names(expression: str) -> frozenset[str]:
    """Lower-cased names of every function an expression calls (``frozenset()`` for literals).

    Useful for checks such as "``reference()`` is not allowed in a copy count".
    """
    if not is_expression(expression):
        return frozenset()
    return frozenset(node.key for node in iter_nodes(parse(expression)) if isinstance(node, FunctionCall))
