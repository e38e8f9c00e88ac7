"""What the demo body holds: its program, staff, sessions and candidates, as plain data."""

from __future__ import annotations

import unicodedata
from typing import Any

SLUG = "demo"
NAME = "Organisme de démonstration"
MENTIONS = {
    "legal_name": "Organisme de démonstration SAS",
    "siret": "73282932000074",
    "nda": "11 75 99999 75",
    "address": "12 rue de l'Exemple, 75011 Paris",
    "signatory_role": "Président du jury",
}
ACTOR = "demo"

PROGRAM: dict[str, Any] = {
    "code": "SOUD-1",
    "name": "Soudage à l'arc, niveau 1",
    "description": (
        "Certifie la maîtrise du soudage à l'arc à électrode enrobée sur acier en position à plat."
    ),
    "criteria": (
        "Moyenne pondérée de 12/20 ou plus (écrit ×1, oral ×2, pratique ×3) ; "
        "l'épreuve pratique est éliminatoire sous 10/20."
    ),
    "achievementType": "Certification",
    "alignments": [
        {
            "targetName": "Soudeur / Soudeuse (exemple RNCP)",
            "targetUrl": "https://www.francecompetences.fr/recherche/rncp/",
            "targetFramework": "RNCP",
            "targetType": "ext:RNCP",
        }
    ],
    "validityDays": 1095,
    "assessments": [
        {"code": "ECR", "name": "QCM sécurité", "coefficient": 1, "maxScore": 20},
        {"code": "ORA", "name": "Entretien technique", "coefficient": 2, "maxScore": 20},
        {
            "code": "PRA",
            "name": "Épreuve pratique",
            "coefficient": 3,
            "maxScore": 20,
            "eliminatoryBelow": 10,
        },
    ],
    "passMark": 12,
    "eligibility": {
        "prerequisites": ["Formation de soudeur de 140 heures"],
        "minAttendancePercent": 80,
        "requiredDocuments": ["Pièce d'identité"],
    },
}

#: (local part of the e-mail, role, name): one member per role, and a second manager so that
#: a proposal can be approved by someone else (four eyes).
STAFF = [
    ("admin", "admin", "Alice Admin"),
    ("manager", "manager", "Marc Manager"),
    ("manager2", "manager", "Mona Manager"),
    ("evaluator", "evaluator", "Eve Evaluator"),
    ("signatory", "signatory", "Sam Signatory"),
    ("auditor", "auditor", "Aude Auditor"),
]

#: What the eligibility check recorded for an eligible file, and for one that is not.
ELIGIBLE = {
    "identityChecked": True,
    "identityDocument": "carte d'identité",
    "prerequisitesMet": True,
    "attendancePercent": 95,
    "fileComplete": True,
}
INELIGIBLE = {**ELIGIBLE, "attendancePercent": 62.5}

#: profile -> (eligibility, grades or None while the jury has not graded): one per outcome
#: a session's list can show.
PROFILES: dict[str, tuple[dict[str, Any], dict[str, Any] | None]] = {
    "passed": (ELIGIBLE, {"ECR": 14, "ORA": "13,5", "PRA": 15}),
    "failed_eliminatory": (ELIGIBLE, {"ECR": 18, "ORA": 17, "PRA": 8}),
    "failed_average": (ELIGIBLE, {"ECR": 9, "ORA": 10, "PRA": "11,5"}),
    "absent": (ELIGIBLE, {"ECR": 12, "ORA": 13, "PRA": "absent"}),
    "ineligible": (INELIGIBLE, {"ECR": 15, "ORA": 15, "PRA": 15}),
    "awaiting_grades": (ELIGIBLE, None),
}

#: The sessions, oldest first, with the state the demo brings each to and their candidates'
#: profiles. Together they show every state of a candidate's file at once.
SESSIONS: list[dict[str, Any]] = [
    {
        "name": "Session de mars 2026",
        "dates": ("2026-03-09", "2026-03-11"),
        "state": "signed",
        "profiles": ["passed"] * 3 + ["failed_average"],
    },
    {
        "name": "Session d'avril 2026",
        "dates": ("2026-04-13", "2026-04-15"),
        "state": "approved",
        "profiles": ["passed"] * 2 + ["failed_eliminatory"],
    },
    {
        "name": "Session de mai 2026",
        "dates": ("2026-05-11", "2026-05-13"),
        "state": "proposed",
        "profiles": ["passed"] * 2 + ["absent"],
    },
    {
        "name": "Session de juin 2026",
        "dates": ("2026-06-08", "2026-06-10"),
        "state": "open",
        "profiles": ["passed"] * 8
        + ["failed_eliminatory"] * 3
        + ["failed_average"] * 3
        + ["absent"] * 2
        + ["ineligible"] * 2
        + ["awaiting_grades"] * 2,
    },
]

#: The reason given for revoking the first credential of the signed session.
REVOCATION_REASON = "Erreur de saisie de la note pratique"

_GIVEN = [
    "Ada", "Alan", "Grace", "Émilie", "Blaise", "Sophie", "Henri", "Marie", "Évariste",
    "Sofia", "Pierre", "Hedy", "Joseph", "Katherine", "Camille", "Léon", "Irène", "Paul",
    "Dorothy", "Claude", "Margaret", "Jean", "Rosalind", "Louis", "Nicole", "André",
    "Barbara", "Gustave", "Hypatia", "Félix",
]  # fmt: skip
_FAMILY = [
    "Lovelace", "Turing", "Hopper", "du Châtelet", "Pascal", "Germain", "Poincaré", "Curie",
    "Galois", "Kovalevskaïa", "Fermat", "Lamarr", "Fourier", "Johnson", "Jordan", "Foucault",
    "Joliot", "Langevin", "Vaughan", "Shannon", "Hamilton", "Perrin", "Franklin", "Pasteur",
    "Girard", "Ampère", "Liskov", "Eiffel", "d'Alexandrie", "Savart",
]  # fmt: skip


def candidates_csv(first: int, count: int) -> str:
    """The import file of candidates ``first`` to ``first + count - 1`` (as staff upload it)."""
    lines = ["family_name,given_names,birth_date,email,sex,access_route"]
    for i in range(first, first + count):
        given, family = _GIVEN[i % len(_GIVEN)], _FAMILY[i % len(_FAMILY)]
        local = _ascii(f"{given}.{family}").lower().replace(" ", "-").replace("'", "")
        sex = "F" if i % 2 == 0 else "M"
        route = "VAE" if i % 3 == 0 else "CANDIDAT_LIBRE"
        lines.append(
            f'"{family}",{given},{1980 + i % 20}-0{1 + i % 9}-1{i % 10},'
            f"{local}.{i}@example.org,{sex},{route}"
        )
    return "\n".join(lines) + "\n"


def _ascii(text: str) -> str:
    # E-mail addresses of the demo stay ASCII: "Émilie" becomes "emilie".
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
