"""The back office's workflow pages with the test client: sessions, candidates (CSV import and
by hand), eligibility, grades (sheet and CSV), the dashboard's tasks; roles, tenancy, CSRF."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from office_pages_support import enrollment_count, open_session, routes
from office_support import csrf_token, sign_in, submit, text

BAD_CSV = (
    "family_name,given_names,birth_date,email\n"
    "Curie,Marie,1990-11-07,marie@example.org\n"
    ",Pierre,1989-05-15,pierre@example.org\n"
    "Noether,Emmy,15/03/1982,emmy@example\n"
)
GOOD_CSV = (
    "family_name;given_names;birth_date;email\nCurie;Marie Salomea;1990-11-07;marie@example.org\n"
)


def _token(client) -> str:
    return csrf_token(client.get("/staff/").get_data(as_text=True))


@pytest.mark.parametrize("role", ["manager", "evaluator"])
def test_every_page_of_another_body_answers_404(client, staff, runtime, role) -> None:
    staff("manager")
    session_id, enrolled = open_session(runtime)
    outsider = staff(role, org="beta")
    sign_in(client, outsider)
    token = _token(client)
    for method, path in routes(session_id, enrolled["ada@example.org"]):
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, data={"csrf_token": token, "marking": "1"})
        assert response.status_code == 404, (method, path, response.status_code)
        assert "Cette page n'existe pas." in text(response)
    listed = text(client.get("/staff/sessions"))
    assert session_id not in listed and "Aucune session ne correspond." in listed


def test_pages_answer_each_role(client, staff, runtime, clock) -> None:
    members = {role: staff(role) for role in ("manager", "evaluator", "auditor", "signatory")}
    session_id, enrolled = open_session(runtime)
    ada = enrolled["ada@example.org"]
    allowed = {
        "manager": {"session", "import", "new", "eligibility", "grades", "list", "create"},
        "evaluator": {"session", "grades", "list"},
        "auditor": {"session", "list"},
        "signatory": {"session", "list"},
    }
    pages = {
        "list": "/staff/sessions",
        "create": "/staff/sessions/new",
        "session": f"/staff/sessions/{session_id}",
        "import": f"/staff/sessions/{session_id}/candidates/import",
        "new": f"/staff/sessions/{session_id}/candidates/new",
        "eligibility": f"/staff/enrollments/{ada}/eligibility",
        "grades": f"/staff/sessions/{session_id}/grades/PRA",
    }
    for role, member in members.items():
        browser = client.application.test_client()
        sign_in(browser, member, at=clock.instant + timedelta(seconds=30))
        for name, path in pages.items():
            expected = 200 if name in allowed[role] else 403
            assert browser.get(path).status_code == expected, (role, name)
    assert client.get(pages["session"]).status_code == 302  # not signed in: to the sign-in page


def test_every_form_carries_its_csrf_token_and_refuses_a_post_without(
    client, staff, runtime
) -> None:
    sign_in(client, staff("manager"))
    session_id, enrolled = open_session(runtime)
    forms = [
        "/staff/sessions/new",
        f"/staff/sessions/{session_id}/candidates/import",
        f"/staff/sessions/{session_id}/candidates/new",
        f"/staff/enrollments/{enrolled['ada@example.org']}/eligibility",
        f"/staff/sessions/{session_id}/grades/ECR",
    ]
    for path in forms:
        page = client.get(path).get_data(as_text=True)
        for form in re.findall(r"<form method=\"post\".*?</form>", page, re.S):
            assert 'name="csrf_token"' in form, path
    for method, path in routes(session_id, enrolled["ada@example.org"]):
        if method == "POST":
            assert client.post(path, data={}).status_code == 400, path
    assert client.post("/staff/sessions/new", data={}).status_code == 400


def test_sessions_are_listed_filtered_and_created_from_the_form(client, staff, runtime) -> None:
    manager = staff("manager")
    evaluator = staff("evaluator")
    sign_in(client, manager)
    open_session(runtime, name="Session de novembre")
    form = text(client.get("/staff/sessions/new"))
    assert "SOUD-1 — Soudage à l'arc, niveau 1" in form and evaluator.email in form
    refused = submit(
        client,
        "/staff/sessions/new",
        {
            "program": "SOUD-1",
            "name": "Mars",
            "starts_on": "2027-03-10",
            "ends_on": "2027-03-01",
            "place": "Nantes",
        },
    )
    assert refused.status_code == 400
    assert "le premier jour ou après" in text(refused)
    created = submit(
        client,
        "/staff/sessions/new",
        {
            "program": "SOUD-1",
            "name": "Session de mars",
            "starts_on": "2027-03-10",
            "ends_on": "2027-03-12",
            "place": "Nantes",
            "capacity": "20",
            "evaluators": evaluator.email,
        },
    )
    assert created.status_code == 302
    page = text(client.get(created.headers["Location"]))
    assert "Session de mars" in page and "Nantes" in page and "version 1" in page
    assert "Ada Lovelace" in page  # the evaluator, by name
    listing = text(client.get("/staff/sessions"))
    assert "Session de mars" in listing and "Session de novembre" in listing
    only_2027 = text(client.get("/staff/sessions?year=2027&state=open&program=SOUD-1"))
    assert "Session de mars" in only_2027 and "Session de novembre" not in only_2027
    assert "Session de mars" not in text(client.get("/staff/sessions?state=signed"))


def test_the_candidates_table_pages_and_filters(client, staff, runtime) -> None:
    sign_in(client, staff("manager"))
    lines = "".join(f"Nom{i:02d},Jean,1990-01-01,jean{i:02d}@example.org\n" for i in range(30))
    session_id, _ = open_session(runtime, csv="family_name,given_names,birth_date,email\n" + lines)
    first = text(client.get(f"/staff/sessions/{session_id}"))
    assert "jean00@example.org" in first and "jean29@example.org" not in first
    assert "Page 1 sur 2" in first and "30 résultat(s)" in first
    second = text(client.get(f"/staff/sessions/{session_id}?page=2"))
    assert "jean29@example.org" in second and "jean00@example.org" not in second
    found = text(client.get(f"/staff/sessions/{session_id}?q=jean07"))
    assert "jean07@example.org" in found and "1 résultat(s)" in found
    undecided = text(client.get(f"/staff/sessions/{session_id}?eligibility=undecided"))
    assert "30 résultat(s)" in undecided
    assert "0 résultat(s)" in text(client.get(f"/staff/sessions/{session_id}?eligibility=yes"))


def test_a_bad_csv_lists_each_line_and_imports_nothing(client, staff, runtime) -> None:
    sign_in(client, staff("manager"))
    session_id, _ = open_session(runtime, csv=None)
    url = f"/staff/sessions/{session_id}/candidates/import"
    token = csrf_token(client.get(url).get_data(as_text=True))
    refused = client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(BAD_CSV.encode()), "c.csv")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    page = text(refused)
    assert "Des lignes posent problème : rien n'a été importé." in page
    rows = re.findall(
        r'<td class="line">(\d+)</td><td><code>(\w+)</code></td><td>([^<]*)</td>', page
    )
    assert ("3", "family_name", "obligatoire") in rows
    assert ("4", "birth_date", "une date écrite AAAA-MM-JJ") in rows
    assert ("4", "email", "une adresse e-mail") in rows
    assert enrollment_count(runtime, session_id) == 0
    # The progress bar's script asks for the result alone.
    fragment = client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(BAD_CSV.encode()), "c.csv")},
        content_type="multipart/form-data",
        headers={"X-Sceau-Fragment": "1", "Accept-Language": "en"},
    )
    assert fragment.status_code == 400 and "<html" not in text(fragment)
    assert "Some lines have problems: nothing was imported." in text(fragment)
    done = client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(GOOD_CSV.encode()), "c.csv")},
        content_type="multipart/form-data",
        headers={"X-Sceau-Fragment": "1"},
    )
    assert done.status_code == 200 and "1 candidat(s) importé(s)." in text(done)
    assert enrollment_count(runtime, session_id) == 1
    again = client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(GOOD_CSV.encode()), "c.csv")},
        content_type="multipart/form-data",
    )
    assert again.status_code == 400 and "déjà inscrit dans cette session" in text(again)
    latin1 = client.post(
        url,
        data={
            "csrf_token": token,
            "file": (io.BytesIO("é".encode("latin-1")), "c.csv"),
        },
        content_type="multipart/form-data",
    )
    assert latin1.status_code == 400 and "pas un fichier CSV en UTF-8" in text(latin1)


def test_a_candidate_entered_by_hand(client, staff, runtime) -> None:
    sign_in(client, staff("manager"))
    session_id, _ = open_session(runtime, csv=None)
    url = f"/staff/sessions/{session_id}/candidates/new"
    fields = {
        "family_name": "Curie",
        "given_names": "Marie",
        "birth_date": "1990-11-07",
        "email": "marie@example.org",
        "birth_place_insee": "7505",
    }
    refused = submit(client, url, fields)
    assert refused.status_code == 400 and "le code INSEE d'une commune" in text(refused)
    assert enrollment_count(runtime, session_id) == 0
    done = submit(client, url, {**fields, "birth_place_insee": "75056", "sex": "F"})
    assert done.status_code == 302
    assert "marie@example.org" in text(client.get(done.headers["Location"]))


def test_eligibility_is_recorded_and_its_reasons_shown(client, staff, runtime) -> None:
    sign_in(client, staff("manager"))
    session_id, enrolled = open_session(runtime)
    url = f"/staff/enrollments/{enrolled['ada@example.org']}/eligibility"
    page = text(client.get(url))
    assert "CAP en métallurgie" in page and "Assiduité minimale : 80 %" in page
    saved = submit(
        client, url, {"identity_checked": "y", "attendance": "72,5", "prerequisite-index": "0"}
    )
    assert saved.status_code == 302
    shown = text(client.get(url))
    assert "non recevable" in shown
    assert "prérequis non rempli : CAP en métallurgie" in shown
    assert "assiduité 72,5 % < 80 %" in shown and "dossier incomplet" in shown
    english = text(client.get(url + "?lang=en"))
    assert "attendance 72.5% < 80%" in english
    short = submit(client, url + "?lang=fr", {"override": "eligible", "justification": "court"})
    assert short.status_code == 400
    assert "Le formulaire pose problème : vérifiez les champs." in text(short)
    forced = submit(
        client,
        url,
        {
            "override": "eligible",
            "justification": "Décision du jury du 3 décembre",
            "prerequisite-index": "0",
        },
    )
    assert forced.status_code == 302
    assert "dérogation : Décision du jury du 3 décembre" in text(client.get(url))
    session = text(client.get(f"/staff/sessions/{session_id}?eligibility=yes"))
    assert "ada@example.org" in session and "1 résultat(s)" in session


def test_grades_by_sheet_all_or_nothing(client, staff, runtime) -> None:
    sign_in(client, staff("manager"))
    session_id, enrolled = open_session(runtime)
    url = f"/staff/sessions/{session_id}/grades/PRA"
    ada, charles = enrolled["ada@example.org"], enrolled["charles@example.org"]
    refused = submit(client, url, {f"score-{ada}": "15", f"score-{charles}": "21", "marking": "1"})
    assert refused.status_code == 400
    assert "doit être entre 0 et 20" in text(refused)
    assert 'value="15"' in text(refused)  # what was typed stays
    assert 'value="15"' not in text(client.get(url))  # nothing was written
    saved = submit(client, url, {f"score-{ada}": "15,5", f"absent-{charles}": "y", "marking": "1"})
    assert saved.status_code == 302
    sheet = text(client.get(url))
    assert 'value="15.5"' in sheet
    assert re.search(rf'name="absent-{charles}" value="y"[^>]*checked', sheet)
    second = submit(client, url + "?marking=2", {f"score-{ada}": "14", "marking": "2"})
    assert second.status_code == 302 and "marking=2" in second.headers["Location"]
    assert 'value="14"' in text(client.get(url + "?marking=2"))
    assert 'value="15.5"' in text(client.get(url))
    results = text(client.get(f"/staff/sessions/{session_id}"))
    assert "15.5" in results and "absent" in results
    for typo in ("0", "3", "abc"):  # never read as the first marking
        assert client.get(f"{url}?marking={typo}").status_code == 400
        refused = submit(client, url, {f"score-{ada}": "3", "marking": typo})
        assert refused.status_code == 400
    assert 'value="15.5"' in text(client.get(url))


def test_grades_from_a_csv_file(client, staff, runtime) -> None:
    sign_in(client, staff("manager"))
    session_id, enrolled = open_session(runtime)
    url = f"/staff/sessions/{session_id}/grades/ECR"
    token = csrf_token(client.get(url).get_data(as_text=True))

    def upload(content: str):
        return client.post(
            url + "/csv",
            data={
                "csrf_token": token,
                "marking": "1",
                "file": (io.BytesIO(content.encode()), "notes.csv"),
            },
            content_type="multipart/form-data",
        )

    refused = upload(
        "email,score\nada@example.org,12\nnobody@example.org,10\n"
        "charles@example.org,25\nada@example.org,13\n"
    )
    assert refused.status_code == 400
    page = text(refused)
    rows = re.findall(
        r'<td class="line">(\d+)</td><td><code>(\w*)</code></td><td>([^<]*)</td>', page
    )
    assert ("3", "email", "pas un candidat de cette session") in rows
    assert ("4", "score", "doit être entre 0 et 20") in rows
    assert ("5", "email", "le même candidat qu'à la ligne 2") in rows
    assert 'value="12"' not in text(client.get(url))
    assert upload("score,email\n").status_code == 400
    for unreadable in ("email,score\nada@example.org,1\r2\n", "email,score\na," + "9" * 140_000):
        assert upload(unreadable).status_code == 400  # the CSV reader's own refusals: no 500
    done = upload("email;score\nADA@example.org;12,5\ngrace@example.org;absent\n")
    assert done.status_code == 302
    sheet = text(client.get(url))
    assert 'value="12.5"' in sheet
    assert re.search(rf'name="absent-{enrolled["grace@example.org"]}" value="y"[^>]*checked', sheet)


def test_an_evaluator_grades_only_the_sessions_that_list_them(client, staff, runtime) -> None:
    assigned = staff("evaluator", email="assigned@acme.example")
    other = staff("evaluator", email="other@acme.example")
    session_id, enrolled = open_session(runtime, evaluators=(assigned.email,))
    url = f"/staff/sessions/{session_id}/grades/ECR"
    sign_in(client, other)
    assert client.get(url).status_code == 403
    token = _token(client)
    ada = enrolled["ada@example.org"]
    assert client.post(url, data={"csrf_token": token, f"score-{ada}": "12"}).status_code == 403
    assert "Saisir les notes" not in text(client.get(f"/staff/sessions/{session_id}"))
    browser = client.application.test_client()
    sign_in(browser, assigned)
    assert browser.get(url).status_code == 200
    assert submit(browser, url, {f"score-{ada}": "12", "marking": "1"}).status_code == 302


def test_the_dashboard_lists_what_awaits_each_role(app, staff, runtime, clock) -> None:
    manager, evaluator = staff("manager"), staff("evaluator")
    session_id, enrolled = open_session(runtime)
    as_manager, as_evaluator = app.test_client(), app.test_client()
    sign_in(as_manager, manager)
    sign_in(as_evaluator, evaluator)
    board = text(as_manager.get("/staff/"))
    assert "3 dossier(s) à vérifier" in board and "3 dossier(s) avec des notes à saisir" in board
    assert f"/staff/sessions/{session_id}?eligibility=undecided" in board
    evaluator_board = text(as_evaluator.get("/staff/"))
    assert "3 dossier(s) avec des notes à saisir" in evaluator_board
    assert "à vérifier" not in evaluator_board
    for email in enrolled:
        submit(
            as_manager,
            f"/staff/enrollments/{enrolled[email]}/eligibility",
            {
                "identity_checked": "y",
                "attendance": "90",
                "file_complete": "y",
                "prerequisite-0": "y",
                "prerequisite-index": "0",
            },
        )
        for code in ("ECR", "ORA", "PRA"):
            submit(
                as_evaluator,
                f"/staff/sessions/{session_id}/grades/{code}",
                {f"score-{enrolled[email]}": "14", "marking": "1"},
            )
    board = text(as_manager.get("/staff/"))
    assert "Résultats prêts à proposer" in board
    assert f"/staff/sessions/{session_id}/decision" in board
    assert "Rien ne vous attend" in text(as_evaluator.get("/staff/"))
    signatory = staff("signatory")
    as_signatory = app.test_client()
    sign_in(as_signatory, signatory, at=clock.instant + timedelta(seconds=30))
    assert "Rien ne vous attend" in text(as_signatory.get("/staff/"))
