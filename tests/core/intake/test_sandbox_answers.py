"""What the capped child answers is checked before use: JSON of the expected shape only."""

from __future__ import annotations

import pytest

from core.errors import InputError
from core.intake.reading import CertificateFacts
from core.intake.sandbox import FileRefused, run_capped

GOOD = {
    "attachments": {"credential.json": "e30="},
    "signatures": 1,
    "intact": True,
    "whole_file": True,
    "trusted": False,
    "signer": "CN=x",
    "signer_sha256": "00",
    "qr_texts": ["https://example.org/c/1"],
}


def test_a_well_formed_answer_is_read() -> None:
    facts = CertificateFacts.from_json(GOOD)
    assert facts.pdf.attachments == {"credential.json": b"{}"} and facts.pdf.intact is True
    assert CertificateFacts.from_json(facts.to_json()) == facts


@pytest.mark.parametrize(
    "answer",
    [
        None,
        [],
        {**GOOD, "intact": "yes"},
        {**GOOD, "attachments": {"credential.json": "not base64!"}},
        {**GOOD, "attachments": {str(i): "" for i in range(3)}},
        {**GOOD, "qr_texts": [1]},
        {k: v for k, v in GOOD.items() if k != "signatures"},
    ],
)
def test_an_answer_of_another_shape_is_an_unreadable_pdf(answer: object) -> None:
    with pytest.raises(InputError) as refused:
        CertificateFacts.from_json(answer)
    assert refused.value.code == "pdf_unreadable"


def test_an_answer_that_json_cannot_carry_is_a_refusal() -> None:
    with pytest.raises(FileRefused):
        run_capped(bytes, b"abc")  # bytes are no JSON value: the child cannot answer
    assert run_capped(len, b"abc") == 3
