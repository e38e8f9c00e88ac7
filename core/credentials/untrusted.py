"""Bounded parsing of untrusted JSON (size, depth, duplicates, NaN) and control-character checks."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

from core.errors import InputError, PayloadTooLarge

# One left-to-right pass over strings (skipped whole, so "[" inside a string does not count; an
# unterminated string runs to the end, which keeps the scan linear) and brackets.  No recursion.
_TOKEN_RE = re.compile(r'"(?:[^"\\]++|\\.)*+"?|[\[\]{}]', re.DOTALL)
# Tab, line feed and carriage return are escaped correctly by every N-Quads writer; the other
# control characters are not escaped the RDFC-1.0 way by pyld, so the issuer refuses them.
_ALLOWED_CONTROLS = frozenset("\t\n\r")
# A \uD800-\uDFFF escape (either case) may decode to a lone surrogate: valid JSON text, but not
# Unicode, so it cannot be encoded as UTF-8 (by the response, the database, the signer).  Only
# texts holding such an escape are walked; a backslash-escaped "\\ud800" matches too, harmlessly.
_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# JavaScript prints numbers at or past 1e21 in exponent form and jsonld.js reads them as doubles.
_JS_INTEGER_LIMIT = 1e21


class DuplicateKey(ValueError):
    """A JSON object names a key twice (which value counts depends on the parser)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json.loads' object_pairs_hook that raises DuplicateKey for a key named twice."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKey(key)
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _javascript_number(text: str) -> float | int:
    """A number literal with a fraction or exponent, read as JavaScript's JSON.parse reads it.

    JavaScript has one number type: ``2.0`` and ``1e2`` are the integers 2 and 100, which
    jsonld.js turns into xsd:integer literals.  Returning them as Python ints keeps our canonical
    form equal to the reference stack's; non-integral values and those of 1e21 or more (which
    jsonld.js treats as doubles) stay floats.
    """
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    if value.is_integer() and abs(value) < _JS_INTEGER_LIMIT:
        return int(value)  # -0.0 becomes 0, as JavaScript prints it
    return value


def _check_depth(text: str, max_depth: int) -> None:
    depth = 0
    for match in _TOKEN_RE.finditer(text):
        token = match.group()
        if token[0] == '"':
            continue
        if token in ("[", "{"):
            depth += 1
            if depth > max_depth:
                raise PayloadTooLarge(
                    f"The JSON document is nested more than {max_depth} levels deep."
                )
        else:
            depth -= 1


def _line_column(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, column


def _printable_key(key: str) -> str:
    """A key as it may be echoed in a problem: lone surrogates replaced, length bounded."""
    return _SURROGATE_RE.sub("\ufffd", key[:200])


def _paths_holding(
    obj: object, holds: Callable[[str], bool], key_text: Callable[[str], str] = str
) -> Iterator[str]:
    """JSON paths (``a.b[0].c``), in document order, of the strings and keys for which
    ``holds`` is true (a key's own path stands for the key). Iterative, so deep documents
    cannot exhaust the stack; a generator, so a caller may stop at the first."""
    # (path, value, whether the key that leads here holds it)
    stack: list[tuple[str, object, bool]] = [("", obj, False)]
    while stack:
        path, value, bad_key = stack.pop()
        if bad_key:
            yield path
        if isinstance(value, str):
            if holds(value):
                yield path or "$"
        elif isinstance(value, dict):
            for key, child in reversed(list(value.items())):
                key = str(key)
                stack.append((_child_path(path, key_text(key)), child, holds(key)))
        elif isinstance(value, list):
            for index in range(len(value) - 1, -1, -1):
                stack.append((_child_path(path, index), value[index], False))


def _lone_surrogate_path(value: object) -> str | None:
    """The path of the first string or key holding a lone surrogate, if there is one."""
    holds = _SURROGATE_RE.search
    return next(_paths_holding(value, lambda t: holds(t) is not None, _printable_key), None)


def _may_hold_lone_surrogates(raw: bytes | str, text: str) -> bool:
    if _SURROGATE_ESCAPE_RE.search(text):
        return True
    if isinstance(raw, bytes):
        return False  # Python's UTF-8 decoder already refuses encoded surrogates (ED A0 80...)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def parse_untrusted_json(raw: bytes | str, *, max_bytes: int, max_depth: int) -> object:
    """Parse untrusted JSON text within limits.

    Raises PayloadTooLarge past ``max_bytes`` (UTF-8 bytes) or ``max_depth`` nesting levels, and
    InputError (code ``malformed_json``, with ``line`` and ``column`` in ``problems`` when known)
    for invalid UTF-8, invalid JSON, NaN/Infinity or out-of-range numbers, duplicate keys, and
    strings or keys holding a lone surrogate (U+D800–U+DFFF not part of a pair).

    Numbers are read as JavaScript reads them (see ``_javascript_number``): ``2.0`` is the int 2.
    """
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise PayloadTooLarge(f"The document is larger than {max_bytes} bytes.")
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(
                "The document is not valid UTF-8 text.", code="malformed_json"
            ) from None
    else:
        text = raw[1:] if raw.startswith("\ufeff") else raw
    _check_depth(text, max_depth)
    try:
        value = json.loads(
            text,
            object_pairs_hook=unique_keys,
            parse_constant=_reject_constant,
            parse_float=_javascript_number,
        )
    except DuplicateKey as exc:
        raise InputError(
            "The JSON document repeats a key in one object.",
            code="malformed_json",
            problems=[{"path": _printable_key(exc.key), "message": "duplicate key"}],
        ) from None
    except json.JSONDecodeError as exc:
        line, column = _line_column(text, exc.pos)
        raise InputError(
            f"The document is not valid JSON (line {line}, column {column}).",
            code="malformed_json",
            problems=[{"line": line, "column": column, "message": "invalid JSON"}],
        ) from None
    except (ValueError, RecursionError):
        # NaN, Infinity, overflowing floats, integers past Python's digit limit.
        raise InputError(
            "The document contains a number that is not allowed (NaN, Infinity or too large).",
            code="malformed_json",
        ) from None
    if _may_hold_lone_surrogates(raw, text):
        path = _lone_surrogate_path(value)
        if path is not None:
            raise InputError(
                "The document contains text that is not valid Unicode (a lone surrogate).",
                code="malformed_json",
                problems=[{"path": path, "message": "lone surrogate"}],
            )
    return value


def _is_forbidden_control(char: str) -> bool:
    return char not in _ALLOWED_CONTROLS and unicodedata.category(char) == "Cc"


def _has_control(text: str) -> bool:
    return any(_is_forbidden_control(c) for c in text)


def _child_path(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def find_control_characters(obj: object) -> list[str]:
    """JSON paths (``a.b[0].c``) of the strings and keys that hold control characters.

    Tab, line feed and carriage return are allowed; every other character of Unicode category Cc
    (U+0000–U+001F, U+007F–U+009F) is reported.  A key's own path is reported when the key holds
    one.  Iterative, so deep documents cannot exhaust the stack.
    """
    return list(dict.fromkeys(_paths_holding(obj, _has_control)))
