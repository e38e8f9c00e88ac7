"""Programs: the achievement definitions that an organization awards."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import bindparam, select

from core.audit.log import append as audit
from core.credentials.builder import CONTEXTS, achievement_document
from core.credentials.jsonld import canonical_nquads
from core.credentials.untrusted import find_control_characters
from core.db.models import Organization, Program, ProgramVersion
from core.deps import Deps
from core.documents.badges import program_image
from core.errors import Conflict, InputError, NotFound, UnsignedDataError
from core.urls import achievement_image_url, achievement_url
from core.validation import refuse_jsonld_keywords, validate_payload
from core.workflow.schemes import (
    SCHEME_KEYS,
    eligibility_to_json,
    scheme_from_request,
    scheme_to_json,
)

#: The pattern of schemas/api/achievement.json.
PROGRAM_CODE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")


def check_definition(definition: dict[str, Any], path: str = "achievement") -> None:
    """Reject control characters, JSON-LD keywords and terms the OB contexts do not define, and
    an ``id`` or ``type``: Sceau names achievements itself (a body could otherwise claim an
    achievement URL of another body)."""
    refuse_jsonld_keywords(definition, path)
    prefix = f"{path}." if path else ""
    chosen = [key for key in ("id", "type") if key in definition]
    if chosen:
        raise InputError(
            "an achievement's id and type are set by Sceau",
            code="invalid_request",
            problems=[{"path": prefix + key, "message": "set by Sceau"} for key in chosen],
        )
    bad = find_control_characters(definition)
    if bad:
        raise InputError(
            "text fields may not contain control characters",
            code="control_characters",
            problems=[
                {"path": f"{path}.{p}".rstrip("."), "message": "control character"} for p in bad
            ],
        )
    probe = {
        "@context": list(CONTEXTS),
        **achievement_document("urn:uuid:00000000-0000-0000-0000-000000000000", definition),
    }
    try:
        canonical_nquads(probe, strict=True)
    except UnsignedDataError as error:
        prefix = f"{path}." if path else ""
        problems = [{**p, "path": prefix + p["path"]} for p in error.problems]
        raise UnsignedDataError(error.message, problems=problems) from None


def _parse_program(payload: Any) -> tuple[dict[str, Any], dict[str, Any] | None, Any]:
    """(achievement definition, stored scheme, stored eligibility) of a program request."""
    validate_payload("program", payload)
    scheme, eligibility = scheme_from_request(payload)
    definition = {
        k: v for k, v in payload.items() if k not in ("code", "validityDays", *SCHEME_KEYS)
    }
    check_definition(definition, path="")
    return (
        definition,
        scheme_to_json(scheme) if scheme else None,
        eligibility_to_json(eligibility) if eligibility else None,
    )


def create_program(deps: Deps, org: Organization, payload: Any, actor: str) -> Program:
    """Validate and store a program and its version 1; its code is unique in the organization."""
    definition, scheme, eligibility = _parse_program(payload)
    if "code" not in payload:
        raise InputError(
            "a program needs a code",
            code="invalid_request",
            problems=[{"path": "code", "message": "required"}],
        )
    if find_program(deps, org, payload["code"]) is not None:
        raise Conflict(f"program {payload['code']!r} already exists", code="program_exists")
    now = deps.clock.now()
    program = Program(
        organization_id=org.id,
        code=payload["code"],
        name=payload["name"],
        definition=definition,
        validity_days=payload.get("validityDays"),
        created_at=now,
        current_version=1,
    )
    deps.session.add(program)
    deps.session.flush()
    _add_version(deps, program, scheme, eligibility, actor)
    audit(
        deps.session,
        actor=actor,
        action="program.create",
        subject=f"{org.slug}/{program.code}",
        organization=org.slug,
        now=now,
        data={"version": 1},
    )
    return program


def update_program(deps: Deps, org: Organization, code: str, payload: Any, actor: str) -> Program:
    """A new version of the program, which becomes its current one; earlier versions stay as
    they were, for the results and credentials computed with them."""
    program = get_program(deps, org, code)
    if isinstance(payload, dict) and payload.get("code", code) != code:
        raise InputError(
            "the code of a program cannot change",
            code="invalid_request",
            problems=[{"path": "code", "message": f"must be {code} (or left out)"}],
        )
    definition, scheme, eligibility = _parse_program(payload)
    program.name = payload["name"]
    program.definition = definition
    program.validity_days = payload.get("validityDays")
    program.current_version += 1
    _add_version(deps, program, scheme, eligibility, actor)
    audit(
        deps.session,
        actor=actor,
        action="program.version",
        subject=f"{org.slug}/{program.code}",
        organization=org.slug,
        now=deps.clock.now(),
        data={"version": program.current_version},
    )
    return program


def _add_version(
    deps: Deps,
    program: Program,
    scheme: dict[str, Any] | None,
    eligibility: dict[str, Any] | None,
    actor: str,
) -> ProgramVersion:
    version = ProgramVersion(
        program_id=program.id,
        number=program.current_version,
        definition=program.definition,
        scheme=scheme,
        eligibility=eligibility,
        validity_days=program.validity_days,
        created_at=deps.clock.now(),
        created_by=actor,
    )
    deps.session.add(version)
    deps.session.flush()
    return version


def program_version(deps: Deps, program: Program, number: int | None = None) -> ProgramVersion:
    """A version of the program (its current one by default); NotFound for another number.
    Remembered for the unit of work: versions never change, and a bulk issue asks for the
    same one on every row."""
    wanted = program.current_version if number is None else number
    known: dict[tuple[int, int], ProgramVersion] = deps.session.info.setdefault("versions", {})
    version = known.get((program.id, wanted))
    if version is None:
        version = deps.session.scalar(
            select(ProgramVersion).where(
                ProgramVersion.program_id == program.id, ProgramVersion.number == wanted
            )
        )
        if version is None:
            raise NotFound(
                f"program {program.code!r} has no version {wanted}", code="unknown_program"
            )
        known[(program.id, wanted)] = version
    return version


def program_summary(
    deps: Deps, org: Organization, program: Program, number: int | None = None
) -> dict[str, Any]:
    """What the API answers about a program version: its achievement and its scheme."""
    version = program_version(deps, program, number)
    summary: dict[str, Any] = {
        "code": program.code,
        "version": version.number,
        "currentVersion": program.current_version,
        "achievement": version_achievement(deps, org, program, version),
    }
    if version.validity_days is not None:
        summary["validityDays"] = version.validity_days
    if version.scheme is not None:
        summary.update(version.scheme)
    if version.eligibility is not None:
        summary["eligibility"] = version.eligibility
    return summary


_PROGRAM = select(Program).where(
    Program.organization_id == bindparam("org_id"), Program.code == bindparam("code")
)


def find_program(deps: Deps, org: Organization, code: str) -> Program | None:
    """The organization's program with this code (remembered for the unit of work: a bulk
    issue asks for the same program on every row, and programs never change within it)."""
    if not PROGRAM_CODE.match(code):
        return None  # never stored: and a NUL would be refused by PostgreSQL itself
    known: dict[tuple[int, str], Program] = deps.session.info.setdefault("programs", {})
    program = known.get((org.id, code))
    if program is None:
        program = deps.session.scalar(_PROGRAM, {"org_id": org.id, "code": code})
        if program is not None:
            known[(org.id, code)] = program
    return program


def get_program(deps: Deps, org: Organization, code: str) -> Program:
    """Like find_program, but NotFound when absent."""
    program = find_program(deps, org, code)
    if program is None:
        raise NotFound(f"no program {code!r} in {org.slug}", code="unknown_program")
    return program


def program_achievement(deps: Deps, org: Organization, program: Program) -> dict[str, Any]:
    """The OB Achievement of a program (its current version)."""
    achievement = achievement_document(
        achievement_url(deps.settings.base_url, org.slug, program.code), program.definition
    )
    return _with_image(deps, org, program, achievement)


def version_achievement(
    deps: Deps, org: Organization, program: Program, version: ProgramVersion
) -> dict[str, Any]:
    """The OB Achievement of one version of a program."""
    achievement = achievement_document(
        achievement_url(deps.settings.base_url, org.slug, program.code), version.definition
    )
    return _with_image(deps, org, program, achievement)


def remember_image(deps: Deps, program: Program, has_image: bool) -> None:
    """Record for the unit of work whether the program has a badge image (set just now)."""
    deps.session.info.setdefault("program_images", {})[program.id] = has_image


def _with_image(
    deps: Deps, org: Organization, program: Program, achievement: dict[str, Any]
) -> dict[str, Any]:
    """The achievement with the program's uploaded badge image when it has one (in place of
    any image its definition names). Whether it has one is looked up once per unit of work:
    a bulk issue builds this achievement for every row."""
    known: dict[int, bool] = deps.session.info.setdefault("program_images", {})
    if program.id not in known:
        known[program.id] = program_image(deps.session, program.id) is not None
    if known[program.id]:
        url = achievement_image_url(deps.settings.base_url, org.slug, program.code)
        achievement["image"] = {"id": url, "type": "Image"}
    return achievement
