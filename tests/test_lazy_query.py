"""``lazy_query``: a query parsed on first read, equal to ``parse_query``'s, and
re-encoded without a parse when the text is its own encoding (issue 15)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from polyfaas import MultiDict
from polyfaas.runtime import encode_query, lazy_query, parse_query

# Plain characters, the separators, what parsing or encoding changes, and non-ASCII.
ALPHABET = "aZ09-._~!$'()*,/:@" + "&=" + "+%;# ?" + "é€\x00"
texts = st.text(alphabet=ALPHABET, max_size=40) | st.text(max_size=20)


def pairs_decoded(query: MultiDict) -> bool:
    """Whether the view's pairs are decoded (read from the slot, not through the view)."""
    try:
        MultiDict.__dict__["_pairs"].__get__(query)
    except AttributeError:
        return False
    return True


@given(texts)
def test_lazy_query_is_the_parsed_query(text: str) -> None:
    lazy, eager = lazy_query(text), parse_query(text)
    assert encode_query(lazy) == encode_query(eager)
    assert lazy == eager
    assert list(lazy.items(multi=True)) == list(eager.items(multi=True))
    assert encode_query(lazy) == encode_query(eager)  # decoded now: the same again
    assert hash(lazy) == hash(eager)


@given(st.lists(st.tuples(st.text(max_size=8), st.text(max_size=8)), max_size=5))
def test_an_encoded_query_reads_back_as_its_pairs(pairs: list[tuple[str, str]]) -> None:
    text = encode_query(MultiDict(pairs))
    assert encode_query(lazy_query(text)) == text
    assert lazy_query(text) == parse_query(text)


def test_a_plain_query_is_given_back_without_a_parse() -> None:
    query = lazy_query("page=2&sort=price&lang=en&empty=")
    assert encode_query(query) == "page=2&sort=price&lang=en&empty="
    assert not pairs_decoded(query)
    assert query.get("sort") == "price"
    assert query.getlist("page") == ["2"]
    assert pairs_decoded(query)


def test_texts_that_parsing_changes_are_reencoded() -> None:
    for text, encoded in {
        "a": "a=",
        "a=b=c": "a=b%3Dc",
        "a=1&&b=2": "a=1&b=2",
        "q=x+y": "q=x%20y",
        "q=%41": "q=A",
        "q=%zz": "q=%25zz",
        "k=é": "k=%C3%A9",
    }.items():
        assert encode_query(lazy_query(text)) == encoded, text
    assert lazy_query("") is parse_query("")
