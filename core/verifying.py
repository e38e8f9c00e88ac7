"""The verifier as this instance runs it: the pipeline wired to the database and core.net."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.credentials.report import VerificationReport
from core.credentials.verify import VerifyOptions, verify_credential
from core.db.models import Organization
from core.deps import Deps
from core.keys.directory import find_org, local_did_document, org_profile_url, slug_from_did
from core.keys.resolver import DidResolver
from core.net.fetch import fetch
from core.status.checker import BitstringStatusChecker
from core.status.lists import find_list


class _Issuers:
    """This instance's organizations, as the pipeline's issuer registry."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def lookup(self, issuer_id: str) -> dict[str, Any] | None:
        slug = slug_from_did(self.deps.settings, issuer_id)
        org = find_org(self.deps.session, slug) if slug else None
        if org is None:
            return None
        return {
            "id": issuer_id,
            "name": org.name,
            "url": org.url or org_profile_url(self.deps.settings, org.slug),
        }


def _local_status_list(deps: Deps, url: str) -> dict[str, Any] | None:
    prefix = f"{deps.settings.base_url}/status/"
    if not url.startswith(prefix):
        return None
    slug, _, number = url[len(prefix) :].partition("/")
    if not number.isdigit():
        return None
    org = deps.session.scalar(select(Organization).where(Organization.slug == slug))
    status_list = find_list(deps.session, org, int(number)) if org else None
    return status_list.signed_credential if status_list else None


def _fetcher(deps: Deps):  # type: ignore[no-untyped-def]
    settings = deps.settings

    def get(url: str) -> bytes:
        return fetch(
            url,
            timeout=settings.net_timeout_seconds,
            max_bytes=settings.net_max_bytes,
            allow_private=settings.net_allow_private,
            allow_http=settings.net_allow_http,
        ).body

    return get


def verify_untrusted(deps: Deps, unverified_credential: object) -> VerificationReport:
    """Run the one pipeline on a credential (dict) or VC-JWT (str); never raises."""
    settings = deps.settings
    fetcher = _fetcher(deps)
    resolver = DidResolver(
        lambda did: local_did_document(deps.session, settings, did),
        fetcher=fetcher,
        cache_seconds=300,
        local_authorities=(settings.host_for_did,),
    )
    checker = BitstringStatusChecker(
        resolver,
        lambda url: _local_status_list(deps, url),
        fetcher,
        deps.clock,
        cache_seconds=settings.status_cache_seconds,
        max_work=settings.canonicalization_max_work,
    )
    # Trust in an issuer is shown by the issuer step (known_issuer / unknown_issuer); a genuine
    # credential of a foreign issuer is still verified, as the W3C VC API and its suites expect.
    options = VerifyOptions(
        jwt_algorithms=settings.jwt_algorithms,
        max_work=settings.canonicalization_max_work,
        require_known_issuer=False,
        max_bytes=settings.max_body_bytes,
        max_depth=settings.max_json_depth,
    )
    return verify_credential(
        unverified_credential,
        resolver=resolver,
        status_checker=checker,
        issuers=_Issuers(deps),
        clock=deps.clock,
        options=options,
    )
