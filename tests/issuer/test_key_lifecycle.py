"""Key lifecycle: compromise withdraws a key, retirement bounds it in time, caches follow both."""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading
import time
from typing import Any

import pytest

from core.clock import SystemClock, isoformat_z
from core.credentials.issue_request import parse_issue_request
from core.credentials.proofs import sign_credential
from core.credentials.vcjwt import sign_vc_jwt
from core.db.models import SigningKey
from core.keys.directory import find_org
from core.keys.store import open_signing_keys
from core.unit_of_work import Runtime
from issuer.services.issuance import issue_credential
from issuer.services.organizations import rotate_keys


def _keys(runtime: Runtime, org: Any) -> Any:
    with runtime.unit() as deps:
        found = find_org(deps.session, org.slug)
        return open_signing_keys(deps.session, found, org.did, deps.cipher)


def _steps(report: dict[str, Any]) -> dict[str, str]:
    return {s["id"]: s["code"] for s in report["steps"]}


def _verify(client: Any, **body: Any) -> dict[str, Any]:
    return client.post("/api/v1/verify", json=body).json


def _listed(client: Any, org: Any) -> list[str]:
    document = client.get(f"/issuers/{org.slug}/did.json").json
    return [m["id"] for m in document["verificationMethod"]]


def test_a_compromised_proof_key_is_withdrawn_and_replaced(
    client, sceau, acme, issue, ada_request, runtime
) -> None:
    before = _keys(runtime, acme)
    issued = [issue(acme, ada_request) for _ in range(2)]
    result = sceau("keys", "compromise", "--org", acme.slug, "--key", before.ed25519_kid)
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    assert output["compromised"] == before.ed25519_kid
    assert output["replacement"] not in (None, before.ed25519_kid)
    assert sorted(output["reissue"]) == sorted(i["id"] for i in issued)
    assert output["republishedStatusLists"] == [1]

    assert before.proof_method not in _listed(client, acme)
    assert f"{acme.did}#{output['replacement']}" in _listed(client, acme)
    report = _verify(client, credential=issued[0]["credential"])
    assert report["verified"] is False and _steps(report)["proof"] == "key_compromised"
    assert _steps(report)["issuer"] == "skipped"
    # The JWT was made with the P-256 key, which was not compromised.
    assert _verify(client, jwt=issued[0]["jwt"])["verified"] is True

    fresh = issue(acme, ada_request)  # issuing goes on with the new key, status list re-signed
    assert fresh["credential"]["proof"][0]["verificationMethod"].endswith(output["replacement"])
    assert _verify(client, credential=fresh["credential"])["verified"] is True


def test_a_compromised_jwt_key_and_the_since_filter(
    client, sceau, acme, issue, ada_request, runtime
) -> None:
    before = _keys(runtime, acme)
    first = issue(acme, ada_request)
    since = isoformat_z(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    result = sceau(
        "keys", "compromise", "--org", acme.slug, "--key", before.p256_kid, "--since", since
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["reissue"] == []
    report = _verify(client, jwt=first["jwt"])
    assert report["verified"] is False and _steps(report)["proof"] == "key_compromised"
    assert _verify(client, credential=first["credential"])["verified"] is True


def test_compromise_errors_are_reported(sceau, acme, runtime) -> None:
    kid = _keys(runtime, acme).ed25519_kid
    unknown = sceau("keys", "compromise", "--org", acme.slug, "--key", "no-such-key")
    assert unknown.exit_code == 1 and "has no key 'no-such-key'" in unknown.output
    assert sceau("keys", "compromise", "--org", acme.slug, "--key", kid).exit_code == 0
    again = sceau("keys", "compromise", "--org", acme.slug, "--key", kid)
    assert again.exit_code == 1 and "already marked compromised" in again.output
    bad_date = sceau("keys", "compromise", "--org", acme.slug, "--key", kid, "--since", "soon")
    assert bad_date.exit_code == 2


def test_a_retired_key_proves_only_what_was_signed_before_its_retirement(
    client, acme, issue, ada_request, runtime
) -> None:
    old = _keys(runtime, acme)
    issued = issue(acme, ada_request)
    # Valid from next week: its JWT's nbf is after the rotation, its iat before.
    ada_request["validFrom"] = isoformat_z(dt.datetime.now(dt.UTC) + dt.timedelta(days=7))
    future = issue(acme, ada_request)
    with runtime.unit() as deps:
        rotate_keys(deps, acme.slug)
    with runtime.unit() as deps:
        retired = deps.session.query(SigningKey).filter_by(kid=old.ed25519_kid).one().retired_at
    assert _verify(client, credential=issued["credential"])["verified"] is True
    assert _verify(client, jwt=issued["jwt"])["verified"] is True
    assert _steps(_verify(client, jwt=future["jwt"]))["proof"] == "ok"

    unsigned = copy.deepcopy(issued["credential"])
    del unsigned["proof"]
    later = isoformat_z(retired + dt.timedelta(seconds=1))
    forged = sign_credential(
        unsigned, private_key=old.ed25519, verification_method=old.proof_method, created=later
    )
    report = _verify(client, credential=forged)
    assert report["verified"] is False and _steps(report)["proof"] == "key_retired"
    undated = copy.deepcopy(issued["credential"])
    del undated["proof"][0]["created"]
    assert _steps(_verify(client, credential=undated))["proof"] == "key_retired"

    token = sign_vc_jwt(
        {k: v for k, v in unsigned.items() if k not in ("validFrom",)},
        private_key=old.p256,
        kid=old.jwt_kid,
    )
    assert _steps(_verify(client, jwt=token))["proof"] == "key_retired"


def test_no_process_signs_with_a_key_rotated_by_another(
    settings, acme, issue, ada_request, runtime
) -> None:
    before = _keys(runtime, acme)  # this process has the active keys in its cache
    with Runtime(settings) as other_process, other_process.unit() as deps:
        new_kids = rotate_keys(deps, acme.slug)
    issued = issue(acme, ada_request)
    assert issued["credential"]["proof"][0]["verificationMethod"] == f"{acme.did}#{new_kids[0]}"
    assert _keys(runtime, acme).ed25519_kid == new_kids[0] != before.ed25519_kid


class RecordingClock(SystemClock):
    """The real clock, remembering whether it was read."""

    def __init__(self) -> None:
        self.read = threading.Event()

    def now(self) -> dt.datetime:
        self.read.set()
        return super().now()


def test_a_rotation_waits_for_the_signatures_in_flight(
    settings, acme, ada_request, runtime
) -> None:
    """Opening the keys takes the key lock for the transaction: the rotation reads its clock (the
    retirement date) only once the signatures made with the old key are committed."""
    clock = RecordingClock()

    def rotate() -> None:
        with Runtime(settings, clock) as other, other.unit() as deps:
            rotate_keys(deps, acme.slug)

    thread = threading.Thread(target=rotate)
    with runtime.unit() as deps:
        org = find_org(deps.session, acme.slug)
        open_signing_keys(deps.session, org, acme.did, deps.cipher)
        thread.start()
        time.sleep(0.5)
        assert not clock.read.is_set()  # blocked before reading the clock
        request = parse_issue_request(ada_request)
        document = issue_credential(deps, org, request, actor="t").credential.document
    thread.join(timeout=30)
    assert clock.read.is_set()
    with runtime.unit() as deps:
        kid = document["proof"][0]["verificationMethod"].rsplit("#", 1)[1]
        retired = deps.session.query(SigningKey).filter_by(kid=kid).one()
    assert isoformat_z(retired.retired_at) >= document["proof"][0]["created"]


@pytest.mark.parametrize("kind", ["ed25519", "p256"])
def test_compromise_changes_the_key_version(sceau, acme, runtime, kind: str) -> None:
    before = _keys(runtime, acme)
    kid = before.ed25519_kid if kind == "ed25519" else before.p256_kid
    assert sceau("keys", "compromise", "--org", acme.slug, "--key", kid).exit_code == 0
    after = _keys(runtime, acme)
    assert (after.ed25519_kid, after.p256_kid) != (before.ed25519_kid, before.p256_kid)
    assert kid not in (after.ed25519_kid, after.p256_kid)
