"""The public URLs of this instance's resources: one builder per resource, beside its route.

Credentials, profiles, achievements and status lists carry these URLs inside signed documents
and QR codes, so the string a builder makes and the route that serves it must never drift
apart: each ``*_ROUTE`` below is the Flask rule of the view that owns the resource (the views
register exactly these), and tests/core/test_urls.py fetches every builder's URL through the
app. Builders take the public origin (``Settings.base_url``, no trailing slash) and names that
are already URL-safe (UUIDs, slugs, program codes), so nothing is escaped.
"""

from __future__ import annotations

#: The credential page: HTML, JSON-LD or VC-JWT by content negotiation (wallet blueprint).
CREDENTIAL_ROUTE = "/c/<uuid:credential_id>"
CREDENTIAL_JSON_ROUTE = "/c/<uuid:credential_id>.json"
CREDENTIAL_JWT_ROUTE = "/c/<uuid:credential_id>.jwt"
#: The sealed certificate PDF (PDF/A-3b with the credential attached).
CREDENTIAL_PDF_ROUTE = "/c/<uuid:credential_id>.pdf"
#: The credential's badge image with the credential baked in (PNG, SVG).
CREDENTIAL_PNG_ROUTE = "/c/<uuid:credential_id>.png"
CREDENTIAL_SVG_ROUTE = "/c/<uuid:credential_id>.svg"
#: The path under which every managed credential lives (the VC API refuses ids there).
CREDENTIALS_PATH = "/c"
#: An organization's OB Profile and DID document (issuer blueprint, public views).
ISSUER_PROFILE_ROUTE = "/issuers/<slug>"
DID_DOCUMENT_ROUTE = "/issuers/<slug>/did.json"
#: A program's OB Achievement.
ACHIEVEMENT_ROUTE = "/achievements/<slug>/<code>"
#: A program's badge image (the ``image`` of its Achievement).
ACHIEVEMENT_IMAGE_ROUTE = "/achievements/<slug>/<code>/image"
#: A signed BitstringStatusListCredential.
STATUS_LIST_ROUTE = "/status/<slug>/<int:number>"


def credential_url(base_url: str, credential_id: str) -> str:
    """The credential's id: the URL that the QR code carries (``/c/<uuid>``)."""
    return f"{base_url}{CREDENTIALS_PATH}/{credential_id}"


def credential_json_url(base_url: str, credential_id: str) -> str:
    """The signed JSON-LD of a credential, whatever the Accept header."""
    return f"{credential_url(base_url, credential_id)}.json"


def credential_jwt_url(base_url: str, credential_id: str) -> str:
    """The VC-JWT of a credential, whatever the Accept header."""
    return f"{credential_url(base_url, credential_id)}.jwt"


def credential_pdf_url(base_url: str, credential_id: str) -> str:
    """The sealed certificate PDF of a credential."""
    return f"{credential_url(base_url, credential_id)}.pdf"


def credential_png_url(base_url: str, credential_id: str) -> str:
    """The credential's baked PNG badge."""
    return f"{credential_url(base_url, credential_id)}.png"


def credential_svg_url(base_url: str, credential_id: str) -> str:
    """The credential's baked SVG badge."""
    return f"{credential_url(base_url, credential_id)}.svg"


def issuer_profile_url(base_url: str, slug: str) -> str:
    """Where the organization's OB Profile is served (its ``url`` when it names no site)."""
    return f"{base_url}/issuers/{slug}"


def did_document_url(base_url: str, slug: str) -> str:
    """Where the DID document of ``did:web:<host>:issuers:<slug>`` is served."""
    return f"{issuer_profile_url(base_url, slug)}/did.json"


def achievement_url(base_url: str, slug: str, code: str) -> str:
    """The id of a program's Achievement, also the URL where it is served."""
    return f"{base_url}/achievements/{slug}/{code}"


def achievement_image_url(base_url: str, slug: str, code: str) -> str:
    """The program's badge image, the ``image.id`` of its Achievement."""
    return f"{achievement_url(base_url, slug, code)}/image"


def status_list_url(base_url: str, slug: str, number: int) -> str:
    """The public URL of a status list credential (``statusListCredential`` of its entries)."""
    return f"{base_url}/status/{slug}/{number}"


def parse_status_list_url(base_url: str, url: str) -> tuple[str, int] | None:
    """(slug, number) when ``url`` has the shape of a status list URL of this origin, else None
    (the slug is not checked: the caller looks it up)."""
    origin = f"{base_url}/"
    if not url.startswith(origin):
        return None
    section, _, rest = url[len(origin) :].partition("/")
    slug, _, number = rest.partition("/")
    if section == "status" and number.isascii() and number.isdigit():
        return slug, int(number)
    return None
