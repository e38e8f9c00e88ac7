"""Hostile request bodies on every JSON endpoint: a 4xx with the error envelope, never a 5xx."""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest
from sceau_test_support import base_credential
from werkzeug.exceptions import RequestEntityTooLarge

from core.encoding import b64url_encode
from core.web.body_limit import BodyLimit

UNKNOWN_ID = "3f0d9c4e-8a61-4a55-9d4f-2b7f9c1e5a10"  # no such credential: the body is read first

# (id, path, whether the endpoint needs the API key)
ENDPOINTS = [
    ("verify", "/api/v1/verify", False),
    ("vc_api_verify", "/credentials/verify", False),
    ("issue", "/api/v1/credentials", True),
    ("vc_api_issue", "/credentials/issue", True),
    ("programs", "/api/v1/programs", True),
    ("revoke", f"/api/v1/credentials/{UNKNOWN_ID}/revoke", True),
]

JSON = "application/json"

# (id, body, Content-Type, expected status, expected error code): the same answer on every
# endpoint, since each is refused while the body is read, before the endpoint looks at it.
BAD_BODIES: list[tuple[str, bytes, str, int, str]] = [
    ("lone_high_surrogate", b'{"x": "Ma\\ud800tre"}', JSON, 400, "malformed_json"),
    ("lone_low_surrogate", b'{"x": "\\udfff"}', JSON, 400, "malformed_json"),
    ("uppercase_surrogate", b'{"x": "\\uD800"}', JSON, 400, "malformed_json"),
    ("reversed_pair", b'{"x": "\\ude00\\ud83d"}', JSON, 400, "malformed_json"),
    ("surrogate_key", b'{"Ma\\ud800tre": 1}', JSON, 400, "malformed_json"),
    ("surrogate_duplicate_key", b'{"\\ud800": 1, "\\ud800": 2}', JSON, 400, "malformed_json"),
    ("surrogate_in_array", b'{"x": [["ok", {"y": "\\udbff"}]]}', JSON, 400, "malformed_json"),
    ("surrogate_top_level", b'"\\ud800"', JSON, 400, "malformed_json"),
    ("nan", b'{"x": NaN}', JSON, 400, "malformed_json"),
    ("infinity", b'{"x": Infinity}', JSON, 400, "malformed_json"),
    ("minus_infinity", b'{"x": -Infinity}', JSON, 400, "malformed_json"),
    ("overflow", b'{"x": 1e999}', JSON, 400, "malformed_json"),
    ("minus_overflow", b'{"x": -1e999}', JSON, 400, "malformed_json"),
    ("huge_integer", b'{"x": ' + b"9" * 5000 + b"}", JSON, 400, "malformed_json"),
    ("deep", b'{"x": ' + b"[" * 100 + b"]" * 100 + b"}", JSON, 413, "payload_too_large"),
    ("invalid_utf8", b'{"x": "\xff"}', JSON, 400, "malformed_json"),
    ("utf8_encoded_surrogate", b'{"x": "\xed\xa0\x80"}', JSON, 400, "malformed_json"),
    ("utf16", '{"x": 1}'.encode("utf-16"), JSON, 400, "malformed_json"),
    ("two_byte_order_marks", b"\xef\xbb\xbf\xef\xbb\xbf{}", JSON, 400, "malformed_json"),
    ("duplicate_keys", b'{"x": 1, "x": 2}', JSON, 400, "malformed_json"),
    ("truncated", b'{"x": ', JSON, 400, "malformed_json"),
    ("array", b"[]", JSON, 400, "invalid_request"),
    ("string", b'"credential"', JSON, 400, "invalid_request"),
    ("empty", b"", JSON, 400, "empty_body"),
    ("wrong_content_type", b"{}", "text/plain", 400, "unsupported_media_type"),
    (
        "form_content_type",
        b"a=1",
        "application/x-www-form-urlencoded",
        400,
        "unsupported_media_type",
    ),
]


def _outcome(response: Any) -> tuple[int, object]:
    """(status, error code) when the body is exactly the error envelope, else (status, body)."""
    body = response.get_json(silent=True)
    error = body.get("error") if isinstance(body, dict) and set(body) == {"error"} else None
    if (
        isinstance(error, dict)
        and set(error) == {"code", "message", "problems"}
        and isinstance(error["message"], str)
        and isinstance(error["problems"], list)
    ):
        return response.status_code, error["code"]
    return response.status_code, body if body is not None else response.data[:300]


@pytest.mark.parametrize(
    ("status", "code", "body", "content_type"),
    [
        pytest.param(status, code, body, content_type, id=name)
        for name, body, content_type, status, code in BAD_BODIES
    ],
)
@pytest.mark.parametrize(
    ("path", "auth"), [pytest.param(path, auth, id=name) for name, path, auth in ENDPOINTS]
)
def test_bad_body_gets_a_4xx_envelope(
    client, acme, path: str, auth: bool, body: bytes, content_type: str, status: int, code: str
) -> None:
    headers = acme.auth if auth else {}
    response = client.post(path, data=body, content_type=content_type, headers=headers)
    if path == "/api/v1/verify" and content_type == "application/x-www-form-urlencoded":
        # The verifier also takes forms (file, text, url): this one has none of them.
        status, code = 400, "not_a_credential"
    assert _outcome(response) == (status, code)


# --- lone surrogates inside otherwise valid requests (they used to reach the signer or the DB) --


PROGRAM = {
    "code": "WLD-1",
    "name": "Welding, level 1",
    "description": "Arc welding on steel.",
    "criteria": "Practical exam 12/20 or more.",
    "achievementType": "Certification",
}


def _valid_request(name: str, acme, issue, ada_request) -> tuple[str, dict[str, Any], list[str]]:
    """(path, a body the endpoint accepts, the path of one string member inside it)."""
    achievement_name = ["credentialSubject", "achievement", "name"]
    if name == "verify":
        return (
            "/api/v1/verify",
            {"credential": base_credential(acme.did, "Acme")},
            [
                "credential",
                *achievement_name,
            ],
        )
    if name == "vc_api_verify":
        body = {"verifiableCredential": base_credential(acme.did, "Acme")}
        return "/credentials/verify", body, ["verifiableCredential", *achievement_name]
    if name == "issue":
        return "/api/v1/credentials", ada_request, ["recipient", "name"]
    if name == "vc_api_issue":
        body = {"credential": base_credential(acme.did, "Acme"), "options": {}}
        return "/credentials/issue", body, ["credential", *achievement_name]
    if name == "programs":
        return "/api/v1/programs", copy.deepcopy(PROGRAM), ["name"]
    issued = issue(acme, ada_request)["id"].rsplit("/", 1)[1]
    return f"/api/v1/credentials/{issued}/revoke", {"reason": "Fraud"}, ["reason"]


def _parent(body: dict[str, Any], path: list[str]) -> dict[str, Any]:
    node = body
    for key in path[:-1]:
        node = node[key]
    return node


ENDPOINT_NAMES = [name for name, _, _ in ENDPOINTS]


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
def test_lone_surrogate_in_a_value_is_malformed(
    client, acme, issue, ada_request, endpoint: str
) -> None:
    path, body, member = _valid_request(endpoint, acme, issue, ada_request)
    _parent(body, member)[member[-1]] = "Ma\ud800tre"
    # json.dumps escapes the lone surrogate as the six characters \ud800: valid JSON text
    response = client.post(path, data=json.dumps(body), content_type=JSON, headers=acme.auth)
    assert _outcome(response) == (400, "malformed_json")


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
def test_lone_surrogate_in_a_key_is_malformed(
    client, acme, issue, ada_request, endpoint: str
) -> None:
    path, body, member = _valid_request(endpoint, acme, issue, ada_request)
    _parent(body, member)["Ma\udc00tre"] = "x"
    response = client.post(path, data=json.dumps(body), content_type=JSON, headers=acme.auth)
    assert _outcome(response) == (400, "malformed_json")


def test_escaped_surrogate_pair_is_one_character(client, acme, ada_request) -> None:
    ada_request["recipient"]["name"] = "NAME"
    body = json.dumps(ada_request).replace("NAME", "Ada \\ud83d\\ude00")  # the JSON escapes
    response = client.post("/api/v1/credentials", data=body, content_type=JSON, headers=acme.auth)
    assert (response.status_code, response.json["credential"]["credentialSubject"]["name"]) == (
        201,
        "Ada \U0001f600",
    )


def test_one_leading_byte_order_mark_is_ignored(client) -> None:
    # RFC 8259 §8.1: a parser MAY ignore a BOM; the CLI reads files saved by Windows editors too.
    body = b"\xef\xbb\xbf" + json.dumps({"jwt": "x.y.z"}).encode()
    response = client.post("/api/v1/verify", data=body, content_type=JSON)
    assert (response.status_code, response.json["verified"]) == (200, False)


# --- the body-limit middleware, without a server (tests/web/test_body_limit_gunicorn.py has one)


def _call(middleware: BodyLimit, environ: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer.update(status=status, headers=dict(headers))

    body = b"".join(middleware(environ, start_response))
    return answer["status"], answer["headers"], body


def _never_called(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    raise AssertionError("the application must not be called")


@pytest.mark.parametrize(
    ("declared", "drain_limit", "left_unread"),
    [(2000, 10_000, 0), (2000, 1000, 2000)],
    ids=["drained", "over_the_drain_limit"],
)
def test_declared_oversized_body_is_answered_without_the_app(
    declared: int, drain_limit: int, left_unread: int
) -> None:
    stream = io.BytesIO(b"x" * declared)
    middleware = BodyLimit(_never_called, max_body_bytes=100, drain_limit=drain_limit)
    environ = {"CONTENT_LENGTH": str(declared), "wsgi.input": stream}
    status, headers, body = _call(middleware, environ)
    assert (
        status,
        headers["Connection"],
        json.loads(body)["error"]["code"],
        len(stream.read()),
    ) == ("413 Content Too Large", "close", "payload_too_large", left_unread)


def test_werkzeug_413_has_the_code_of_the_other_layers(app) -> None:
    with app.test_request_context("/api/v1/verify", method="POST"):
        response = app.handle_user_exception(RequestEntityTooLarge())
    assert _outcome(response) == (413, "payload_too_large")


def test_chunked_body_over_the_limit_is_refused_not_truncated(client, settings) -> None:
    # Chunked, the stream ended by the server (as gunicorn does), so no length is known:
    # valid JSON within the limit followed by padding past it.
    body = b'{"jwt": "x.y.z"}' + b" " * settings.max_body_bytes
    response = client.post(
        "/api/v1/verify",
        input_stream=io.BytesIO(body),
        content_type=JSON,
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert _outcome(response) == (413, "payload_too_large")


def test_chunked_body_within_the_limit_is_read_whole(client, settings) -> None:
    body = b'{"jwt": "x.y.z"}' + b" " * (settings.max_body_bytes - 16)
    assert len(body) == settings.max_body_bytes
    response = client.post(
        "/api/v1/verify",
        input_stream=io.BytesIO(body),
        content_type=JSON,
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert (response.status_code, response.json["verified"]) == (200, False)


# --- the same attacks inside a VC-JWT's payload -----------------------------------------------

_JWT_CREDENTIAL = (
    b'{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], '
    b'"issuer": "did:web:example.org", "credentialSubject": {%s}}'
)


def _parse_step_outcome(response: Any) -> tuple[int, object]:
    body = response.get_json(silent=True)
    steps = body.get("steps") if isinstance(body, dict) else None
    if isinstance(steps, list):
        return response.status_code, next(s["code"] for s in steps if s["id"] == "parse")
    return response.status_code, body


@pytest.mark.parametrize(
    "member",
    [b'"name": "Ma\\ud800tre"', b'"Ma\\udc00tre": "x"', b'"name": 1e999'],
    ids=["surrogate_value", "surrogate_key", "overflow"],
)
def test_bad_jwt_payload_is_a_malformed_jwt(client, member: bytes) -> None:
    header = b64url_encode(b'{"alg": "ES256", "typ": "JWT"}')
    token = f"{header}.{b64url_encode(_JWT_CREDENTIAL % member)}.AAAA"
    response = client.post("/api/v1/verify", json={"jwt": token})
    assert _parse_step_outcome(response) == (200, "malformed_jwt")
