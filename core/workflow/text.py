"""Text that people type into the workflow (names, places, justifications): what is refused
and how it is tidied."""

from __future__ import annotations

import unicodedata

from core.errors import InputError

#: Control and format characters (NUL, zero-width, bidi overrides) and line/paragraph
#: separators: invisible, or breaking the exports and the CPF declaration.
_REFUSED = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def has_invisible(text: str) -> bool:
    """Whether ``text`` holds a control, format or separator character."""
    return any(unicodedata.category(ch) in _REFUSED for ch in text)


def tidy(text: str) -> str:
    """NFC, with runs of spaces (tabs, newlines) as one space and no space at either end."""
    return unicodedata.normalize("NFC", " ".join(text.split()))


def plain_text(value: str, path: str, *, minimum: int = 1) -> str:
    """``value`` tidied; InputError when it holds invisible characters or is too short."""
    text = tidy(value)
    if has_invisible(text):
        raise InputError(
            "text may not hold control or invisible characters",
            code="control_characters",
            problems=[{"path": path, "message": "control or invisible character"}],
        )
    if len(text) < minimum:
        raise InputError(
            "text too short",
            code="invalid_request",
            problems=[{"path": path, "message": f"{minimum} characters or more"}],
        )
    return text
