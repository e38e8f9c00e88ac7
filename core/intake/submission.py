"""What a verifier submits (untrusted, any door) and what Sceau answers: the report + source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.credentials.report import VerificationReport

#: Where the credential came from: a value of ``Verification.source``.
SOURCES = ("json", "jwt", "pdf", "png", "svg", "photo", "url")


@dataclass(frozen=True)
class Submission:
    """One verification request as received; everything here is untrusted."""

    file: bytes | None = None  # an uploaded file, any kind (sniffed from its bytes)
    filename: str | None = None  # shown back only; never used to decide the kind
    text: str | None = None  # pasted JSON credential, VC-JWT or credential URL
    url: str | None = None  # a credential URL (this instance's, or fetched under the guard)
    credential: dict[str, Any] | None = None  # a parsed JSON body's credential
    jwt: str | None = None
    recipient_email: str | None = None
    recipient_name: str | None = None


@dataclass(frozen=True)
class Verification:
    """The report of one submission; ``report.steps`` already holds the ``document`` step
    (every source) and the ``recipient`` step (when a recipient was given)."""

    report: VerificationReport
    source: str  # json | jwt | pdf | png | svg | photo | url

    @property
    def verified(self) -> bool:
        return self.report.verified

    def to_json(self) -> dict[str, Any]:
        """``report.to_json()`` plus ``source``: what the API answers and the pages render."""
        return {**self.report.to_json(), "source": self.source}
