"""Badge images of credentials: the program's image, or the body's default badge, with the
credential baked in; made once, archived, and served from the archive ever after.

Baking itself takes well under a millisecond; what costs is getting the base image (reading
the archive, drawing an SVG as PNG takes about 0.1 s). Base images are therefore kept per
process, keyed by what they are made from (the image document's id and SHA-256, or the SHA-256
of the default badge's SVG), so a bulk run draws each base once.
"""

from __future__ import annotations

import struct
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.credentials.serving import credential_json_text
from core.db.models import Credential, Document, Organization
from core.db.models.document import BADGE_PNG, BADGE_SVG, PROGRAM_IMAGE
from core.deps import Deps
from core.documents.archive import (
    ArchiveStore,
    credential_document,
    read_document,
    sha256_hex,
    store_document,
)
from core.documents.baking import bake_png, bake_svg, parse_svg
from core.documents.default_badge import default_badge_svg
from core.documents.images import PNG, SVG, CheckedImage, svg_size
from core.documents.raster import png_to_svg, svg_to_png

#: Base images kept per process (each at most a few hundred KiB, 1 MiB for an uploaded PNG).
CACHE_ENTRIES = 32
_bases: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_bases_lock = threading.Lock()


@dataclass(frozen=True)
class _Source:
    """The image a badge is made from: a cache key, its media type, and how to read it."""

    key: str
    media_type: str
    read: Callable[[], bytes]


def program_image(session: Session, program_id: int) -> Document | None:
    """The program's badge image: the newest PROGRAM_IMAGE document not deleted, if any."""
    return session.scalars(
        select(Document)
        .where(
            Document.kind == PROGRAM_IMAGE,
            Document.program_id == program_id,
            Document.deleted_at.is_(None),
        )
        .order_by(Document.created_at.desc(), Document.id.desc())
        .limit(1)
    ).first()


def store_program_image(
    deps: Deps,
    store: ArchiveStore,
    organization_id: int,
    program_id: int,
    image: CheckedImage,
    filename: str,
) -> Document:
    """Archive ``image`` as the program's badge image (it becomes the newest; flush only)."""
    now = deps.clock.now()
    latest = program_image(deps.session, program_id)
    if latest is not None and latest.created_at >= now:
        # The clock is to the second: two uploads within one must still come out in order.
        now = latest.created_at + timedelta(milliseconds=1)
    return store_document(
        deps.session,
        store,
        organization_id=organization_id,
        kind=PROGRAM_IMAGE,
        data=image.data,
        media_type=image.media_type,
        filename=filename,
        now=now,
        program_id=program_id,
    )


@lru_cache(maxsize=64)
def _default_svg(name: str, key: str) -> bytes:
    return default_badge_svg(name, key).encode("utf-8")


def default_badge(org: Organization) -> bytes:
    """The body's default badge (SVG, UTF-8)."""
    return _default_svg(org.name, org.slug)


def _source(session: Session, store: ArchiveStore, credential: Credential) -> _Source:
    """What the credential's badge is made from; looked up once per unit of work and program
    (a bulk run makes the badges of many credentials of one program)."""
    known: dict[tuple[int, int | None], _Source] = session.info.setdefault("badge_sources", {})
    key = (credential.organization_id, credential.program_id)
    if key not in known:
        image = program_image(session, credential.program_id) if credential.program_id else None
        if image is not None:
            row = image
            known[key] = _Source(
                f"document:{row.id}:{row.sha256}", row.media_type, lambda: read_document(store, row)
            )
        else:
            svg = default_badge(session.get_one(Organization, credential.organization_id))
            known[key] = _Source(f"default:{sha256_hex(svg)}", SVG, lambda: svg)
    return known[key]


def _remembered(key: tuple[str, str], make: Callable[[], bytes]) -> bytes:
    with _bases_lock:
        if key in _bases:
            _bases.move_to_end(key)
            return _bases[key]
    value = make()
    with _bases_lock:
        _bases[key] = value
        while len(_bases) > CACHE_ENTRIES:
            _bases.popitem(last=False)
    return value


def _png_of(source: _Source) -> bytes:
    data = source.read()
    if source.media_type == PNG:
        return data
    width, height = svg_size(parse_svg(data))
    return svg_to_png(data, width, height)


def _svg_of(source: _Source) -> bytes:
    data = source.read()
    if source.media_type == SVG:
        return data
    width, height = struct.unpack_from(">II", data, 16)  # the IHDR chunk's first fields
    return png_to_svg(data, width, height).encode("utf-8")


def _make(deps: Deps, store: ArchiveStore, credential: Credential, kind: str) -> Document:
    source = _source(deps.session, store, credential)
    text = credential_json_text(credential.document)
    if kind == BADGE_PNG:
        data = bake_png(_remembered((source.key, "png"), lambda: _png_of(source)), text)
        media_type, extension = PNG, "png"
    else:
        base = _remembered((source.key, "svg"), lambda: _svg_of(source)).decode("utf-8")
        data = bake_svg(base, text).encode("utf-8")
        media_type, extension = SVG, "svg"
    return store_document(
        deps.session,
        store,
        organization_id=credential.organization_id,
        kind=kind,
        data=data,
        media_type=media_type,
        filename=f"badge-{credential.id}.{extension}",
        now=deps.clock.now(),
        credential_id=credential.id,
        program_id=credential.program_id,
    )


def badge_png(deps: Deps, store: ArchiveStore, credential: Credential) -> Document:
    """The credential's baked PNG: the archived one, or made and archived now (flush only).
    Two processes making it at once both end up with the one recorded first."""
    existing = credential_document(deps.session, credential.id, BADGE_PNG)
    return existing or _make(deps, store, credential, BADGE_PNG)


def badge_svg(deps: Deps, store: ArchiveStore, credential: Credential) -> Document:
    """The credential's baked SVG: the archived one, or made and archived now (flush only)."""
    existing = credential_document(deps.session, credential.id, BADGE_SVG)
    return existing or _make(deps, store, credential, BADGE_SVG)
