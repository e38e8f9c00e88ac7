"""A program's badge image: set by staff or the API key, served publicly, shown on the
achievement of the credentials issued after it was set."""

from __future__ import annotations

from typing import Any

from core.audit.log import append as audit
from core.db.models import Document, Organization
from core.deps import Deps
from core.documents.archive import ArchiveStore
from core.documents.badges import program_image, store_program_image
from core.documents.images import PNG, check_image
from core.urls import achievement_image_url
from issuer.services.programs import find_program, get_program, remember_image


def set_program_image(
    deps: Deps,
    store: ArchiveStore,
    org: Organization,
    code: str,
    data: bytes,
    media_type: str,
    *,
    actor: str,
) -> dict[str, Any]:
    """Check and archive the program's new badge image (flush only); what the API answers.
    Credentials already issued keep their achievement; their badges, once made, too."""
    program = get_program(deps, org, code)
    image = check_image(data, media_type)
    extension = "png" if image.media_type == PNG else "svg"
    row = store_program_image(
        deps, store, org.id, program.id, image, filename=f"{program.code}.{extension}"
    )
    remember_image(deps, program, True)
    audit(
        deps.session,
        actor=actor,
        action="program.image",
        subject=f"{org.slug}/{program.code}",
        organization=org.slug,
        now=deps.clock.now(),
        data={"sha256": row.sha256, "mediaType": row.media_type, "size": row.size},
    )
    return {
        "code": program.code,
        "image": {
            "id": achievement_image_url(deps.settings.base_url, org.slug, program.code),
            "type": "Image",
        },
        "mediaType": row.media_type,
        "size": row.size,
        "width": image.width,
        "height": image.height,
        "sha256": row.sha256,
    }


def public_program_image(deps: Deps, org: Organization, code: str) -> Document | None:
    """The program's current badge image document, if the program exists and has one."""
    program = find_program(deps, org, code)
    return program_image(deps.session, program.id) if program is not None else None
