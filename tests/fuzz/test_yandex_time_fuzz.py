"""The Yandex trigger time parser is total: Go ``time.String()`` text, RFC 3339, or
anything else gives an aware UTC datetime or an ``EventFormatError``, never another
exception (issue 14, item 1). Deterministic: ``derandomize``, no example database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polyfaas.errors import EventFormatError
from polyfaas_yandex import triggers
from polyfaas_yandex.emulated.trigger_calls import format_go_time

FUZZ = settings(
    max_examples=400,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
UTC_ZERO = timedelta(0)


def outcome(value: Any) -> datetime | None:
    """``parse_time(value)``: a UTC datetime, ``None``, or an ``EventFormatError`` (``None``)."""
    try:
        got = triggers.parse_time(value)
    except EventFormatError:
        return None
    assert got is None or got.utcoffset() == UTC_ZERO
    return got


@st.composite
def go_texts(draw: st.DrawFn) -> tuple[str, datetime | None]:
    """Go ``time.String()`` text of a drawn moment, and the instant it names (``None``
    when that instant is outside datetime's range once moved to UTC)."""
    year = draw(st.integers(0, 9999))
    month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    hour, minute, second = (
        draw(st.integers(0, 23)),
        draw(st.integers(0, 59)),
        draw(st.integers(0, 59)),
    )
    nanos = draw(st.integers(0, 999_999_999))
    minutes = draw(st.integers(-(24 * 60 - 1), 24 * 60 - 1))
    abbreviation = draw(st.sampled_from(["UTC", "MSK", "MST", "CEST", "ChST", "+03", "-0330", ""]))
    monotonic = draw(st.none() | st.floats(-1e9, 1e9, allow_nan=False))
    text = f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}"
    if nanos:
        text += "." + f"{nanos:09d}".rstrip("0")
    sign, size = ("-", -minutes) if minutes < 0 else ("+", minutes)
    text += f" {sign}{size // 60:02d}{size % 60:02d}"
    if abbreviation:
        text += " " + abbreviation
    if monotonic is not None:
        text += f" m={'-' if monotonic < 0 else '+'}{abs(monotonic):.9f}"
    expected: datetime | None = None
    if year >= 1:
        zone = timezone(timedelta(minutes=minutes))
        local = datetime(year, month, day, hour, minute, second, nanos // 1000, zone)
        try:
            expected = local.astimezone(timezone.utc)
        except OverflowError:
            expected = None
    return text, expected


@FUZZ
@given(go_texts())
def test_every_go_time_string_parses_to_its_instant(drawn: tuple[str, datetime | None]) -> None:
    text, expected = drawn
    assert outcome(text) == expected


@FUZZ
@given(go_texts(), st.data())
def test_a_mutated_go_time_is_a_time_or_an_event_format_error(
    drawn: tuple[str, datetime | None], data: st.DataObject
) -> None:
    text = drawn[0]
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 3))
        insert = data.draw(st.text(st.sampled_from("0123456789 +-.:=mTZ٣\udc80x"), max_size=3))
        text = text[:at] + insert + text[at + cut :]
    outcome(text)


@FUZZ
@given(st.text(max_size=60) | st.from_regex(r"[0-9 :+\-.=mUTCZ]{0,45}", fullmatch=True))
def test_any_text_is_a_time_or_an_event_format_error(text: str) -> None:
    outcome(text)


@FUZZ
@given(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=3))]),
    ),
    st.none() | st.floats(0, 1e7, allow_nan=False),
)
def test_what_the_platform_half_sends_parses_back(
    moment: datetime, monotonic: float | None
) -> None:
    text = format_go_time(moment, monotonic)
    assert triggers.parse_go_time(text) == moment.astimezone(timezone.utc)
