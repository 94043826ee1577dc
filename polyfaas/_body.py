"""Message bodies: bytes in, text out by the declared charset (shared by requests and responses)."""

from __future__ import annotations


def to_bytes(value: bytes | bytearray | memoryview | str | None) -> bytes:
    """Bodies are bytes; ``str`` is taken as UTF-8."""
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode("utf-8")
    return bytes(value)


def charset_of(content_type: str | None, default: str = "utf-8") -> str:
    """The ``charset`` parameter of a Content-Type value, or ``default``."""
    if content_type:
        for param in content_type.split(";")[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"')
    return default


def decode_text(body: bytes, content_type: str | None) -> str:
    """``body`` decoded with the charset ``content_type`` declares (UTF-8 by default)."""
    try:
        return body.decode(charset_of(content_type), errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def body_repr(body: bytes) -> str:
    return f"<{len(body)} bytes>"
