"""Every door of the verifier: one untrusted submission (file, text, URL) in, one report out."""

from core.intake.submission import SOURCES, Submission, Verification
from core.intake.verify import verify_submission

__all__ = ["SOURCES", "Submission", "Verification", "verify_submission"]
