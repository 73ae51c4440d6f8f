"""RFC 6901 pointers: built and taken apart in one place (vmssplan.pointer)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonpointer import resolve_pointer

from vmssplan import pointer

TOKENS = st.lists(st.text(alphabet=st.sampled_from("ab~/01 é\\\"\n"), max_size=6), max_size=5)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(TOKENS)
def test_split_undoes_join(tokens: list[str]) -> None:
    assert pointer.split(pointer.join(tokens)) == tuple(tokens)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(TOKENS)
def test_a_joined_pointer_finds_the_value_as_rfc_6901_says(tokens: list[str]) -> None:
    document: object = "leaf"
    for token in reversed(tokens):
        document = {token: document}
    assert resolve_pointer(document, pointer.join(tokens)) == "leaf"


def test_escapes_and_child() -> None:
    assert pointer.join(["a/b", "m~n", 0]) == "/a~1b/m~0n/0"
    assert pointer.split("/a~1b/m~0n/0") == ("a/b", "m~n", "0")
    assert pointer.split("") == ()
    assert pointer.split("/") == ("",)
    assert pointer.child("/a", "x/y") == "/a/x~1y"
    assert pointer.unescape("~01") == "~1"  # ~0 first: "~01" is "~" then "1", never "/"
