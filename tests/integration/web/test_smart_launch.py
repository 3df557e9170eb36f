"""SMART App Launch from an EHR: the launch, the EHR's authorize and token endpoints (a tiny EHR
on a loopback port), the import of the chart and the page where the clinician records bone
metastases; and each way the launch is refused, as a page that says why."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from tests.integration.fhir.tiny_ehr import PRACTITIONER, TinyEhr, serve, signing_key

from bonewise.clinical.assessment import assumptions_in_force
from bonewise.services import patients
from bonewise.store.patients import PatientRepository
from bonewise.store.uow import UnitOfWork
from bonewise.web import create_app, forms
from bonewise.web.links import PUBLIC_URL_ENV
from bonewise.web.routers import smart_launch
from bonewise.web.security import CSRF_FORM_FIELD

from .conftest import PASSWORD, Actor, add_user, example, signed_in

CORPUS = Path(__file__).resolve().parents[2] / "data" / "ehr"
PUBLIC = "http://testserver"  # the TestClient's own address: the EHR sends the browser back here
CLIENT_ID = "bonewise-test"
BONE_METASTASES_CONTEXT = {"record": "bone_metastases"}


@pytest.fixture(scope="module")
def ehr() -> Iterator[TinyEhr]:
    bundle = json.loads((CORPUS / "synthea-arimidex.json").read_text())
    chart = TinyEhr.from_bundle(
        bundle, client_id=CLIENT_ID, redirect_uri=f"{PUBLIC}{smart_launch.CALLBACK_PATH}"
    )
    with serve(chart) as running:
        yield running


@pytest.fixture
def fresh_ehr(ehr: TinyEhr, monkeypatch: pytest.MonkeyPatch) -> TinyEhr:
    """The module's EHR as it starts, and bonewise set up to trust it."""
    ehr.deny, ehr.token_error, ehr.next_base, ehr.requests[:] = False, None, None, []
    ehr.id_token_claims, ehr.id_token_key = {}, None
    ehr.app_context = json.dumps({"patientId": ehr.patient["id"], **BONE_METASTASES_CONTEXT})
    monkeypatch.setenv(PUBLIC_URL_ENV, PUBLIC)
    monkeypatch.setenv(smart_launch.CLIENT_ID_ENV, CLIENT_ID)
    monkeypatch.setenv(smart_launch.ISSUERS_ENV, f"https://other.example/fhir {ehr.fhir_base}/")
    return ehr


def _signed_in_clinician(factory: sessionmaker[Session]) -> Actor:
    app = create_app(session_factory=factory)
    user = add_user(factory, email="dr.smart@example.org", role="clinician")
    return signed_in(app, factory, user, "clinician")


def _clinician(factory: sessionmaker[Session]) -> TestClient:
    return _signed_in_clinician(factory).client


def _to_the_ehr(client: TestClient, ehr: TinyEhr) -> httpx.Response:
    """Launch bonewise as the EHR would and follow it to the EHR's authorize endpoint."""
    launched = client.get(
        smart_launch.LAUNCH_PATH, params={"iss": ehr.fhir_base, "launch": ehr.launch_id}
    )
    assert launched.status_code == 303, launched.text
    return _authorize(launched.headers["location"])


def _authorize(location: str) -> httpx.Response:
    answer = httpx.get(location, follow_redirects=False, verify=False)  # plain http: no CAs
    assert answer.status_code == 302, answer.text  # the EHR accepted the request
    return answer


def _back(client: TestClient, answer: httpx.Response, **change: str) -> Any:
    """Follow the EHR's redirect back to bonewise's callback (optionally changing a parameter)."""
    back = urlsplit(answer.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == f"{PUBLIC}{smart_launch.CALLBACK_PATH}"
    query = {k: v[0] for k, v in parse_qs(back.query).items()} | change
    return client.get(back.path, params=query)


def test_a_launch_imports_the_chart_and_opens_the_metastasis_form(
    store: sessionmaker[Session], fresh_ehr: TinyEhr
) -> None:
    client = _clinician(store)
    answer = _to_the_ehr(client, fresh_ehr)
    sent = parse_qs(urlsplit(str(answer.request.url)).query)
    assert sent["aud"] == [fresh_ehr.fhir_base] and sent["code_challenge_method"] == ["S256"]
    assert "patient/Observation.rs" in sent["scope"][0].split()  # the EHR speaks SMART v2

    done = _back(client, answer)

    pid = fresh_ehr.patient["id"]
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/patients/{pid}/profile#bone_metastases"
    # The token endpoint took the code only with the PKCE verifier; the chart came in pages.
    assert fresh_ehr.requests.count("POST /auth/token") == 1
    assert fresh_ehr.requests.count("GET /fhir/Observation") == 2
    form = client.get(done.headers["location"])
    assert form.status_code == 200 and 'id="bone_metastases"' in form.text
    assert "Bone metastases: none on the problem list (assumed from the EHR record" in form.text

    with UnitOfWork(store) as uow:
        record = uow.patients.get_or_raise(pid)
        entries = uow.audit.for_patient(pid)
    audit = {(e.what, e.actor_email) for e in entries}
    launch_details = [e.detail for e in entries if e.what.endswith("by SMART launch")]
    assumed = {a.field: a for a in record.assumptions}
    assert assumed["risk_factors.bone_metastases"].confirm  # none on the problem list: ask
    assert record.therapy is not None and record.therapy.agent == "anastrozole"
    assert ("record imported by SMART launch", "dr.smart@example.org") in audit
    assert ("clinician linked by SMART launch", "dr.smart@example.org") in audit
    # bonewise asked for `openid fhirUser`, checked the id_token against the EHR's keys and
    # names the practitioner who signed in there in the audit entries.
    assert {"openid", "fhirUser"} <= set(sent["scope"][0].split())
    assert "GET /auth/jwks" in fresh_ehr.requests
    assert (
        launch_details
        == [{"ehr": fresh_ehr.fhir_base, "fhir_user": f"{fresh_ehr.fhir_base}/{PRACTITIONER}"}] * 2
    )


INVALID_ID_TOKENS: dict[str, tuple[dict[str, Any], bool, str]] = {
    # what the EHR's id_token gets wrong: (claims changed, signed with another key, page says)
    "wrong-aud": ({"aud": "another-app"}, False, "issued to another app, not to bonewise"),
    "expired": ({"exp": 1_000_000_000, "iat": 999_999_000}, False, "has expired"),
    "bad-signature": ({}, True, "does not verify against the EHR"),
    "wrong-iss": ({"iss": "https://evil.example"}, False, "issued by another server"),
}


def test_a_launch_with_an_invalid_id_token_is_refused(
    sqlite_store: sessionmaker[Session], fresh_ehr: TinyEhr
) -> None:
    client = _clinician(sqlite_store)  # one sign-in for every case: an app costs seconds
    for case, (claims, other_key, said) in INVALID_ID_TOKENS.items():
        fresh_ehr.id_token_claims = claims
        fresh_ehr.id_token_key = signing_key("other") if other_key else None
        fresh_ehr.requests[:] = []

        refused = _back(client, _to_the_ehr(client, fresh_ehr))

        assert refused.status_code == 403, (case, refused.text)
        assert "cannot confirm who signed in at" in refused.text, case
        assert said in refused.text, (case, refused.text)
        assert "GET /auth/jwks" in fresh_ehr.requests, case
        assert not any(r.startswith("GET /fhir/Patient") for r in fresh_ehr.requests), case
    with UnitOfWork(sqlite_store) as uow:
        assert not uow.patients.exists(fresh_ehr.patient["id"])


def test_two_first_launches_at_once_store_one_record_and_one_link(
    store: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two tabs (or a double click) launch the same new patient at the same moment: both find
    no record and no link; the one that writes second must reuse them, not fail with a 500."""
    clinician = add_user(store, email="dr.twice@example.org", role="clinician")
    record = example("normal")
    both_looked = threading.Barrier(2, timeout=20)
    looked = threading.local()
    exists = PatientRepository.exists

    def exists_then_wait(self: PatientRepository, patient_id: str) -> bool:
        found = exists(self, patient_id)
        if not getattr(looked, "once", False):  # only the first look of each launch waits
            looked.once = True
            both_looked.wait()
        return found

    monkeypatch.setattr(PatientRepository, "exists", exists_then_wait)
    outcomes: list[str] = []
    failures: list[BaseException] = []

    def launch() -> None:
        try:
            done = patients.import_from_ehr_launch(
                uow=UnitOfWork(store), actor=clinician, record=record, ehr="https://ehr.example"
            )
            outcomes.append(done.outcome)
        except BaseException as exc:  # the test reports what a thread raised
            failures.append(exc)

    threads = [threading.Thread(target=launch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    assert sorted(outcomes) == ["kept", "stored"]
    with UnitOfWork(store) as uow:
        assert uow.accounts.linked_patient_ids(clinician.id) == [record.id]
        whats = [e.what for e in uow.audit.for_patient(record.id)]
    assert whats.count("record imported by SMART launch") == 1
    assert whats.count("clinician linked by SMART launch") == 1


def test_recording_metastases_on_the_form_is_kept_by_the_next_launch(
    sqlite_store: sessionmaker[Session], fresh_ehr: TinyEhr
) -> None:
    clinician = _signed_in_clinician(sqlite_store)
    client = clinician.client
    landed = _back(client, _to_the_ehr(client, fresh_ehr)).headers["location"]
    pid = fresh_ehr.patient["id"]
    with UnitOfWork(sqlite_store) as uow:
        imported = uow.patients.get_or_raise(pid)
    values = forms.profile_to_form(imported.model_dump(mode="json"))
    saved = client.post(
        landed.split("#")[0],
        data={
            **{k: str(v) for k, v in values.items()},
            "bone_metastases": "yes",  # what she records
            "confirm_oral_glucocorticoids_over_6_months": "yes",  # "no" is right: confirmed
            CSRF_FORM_FIELD: clinician.csrf,
        },
    )
    assert saved.status_code == 303, saved.text
    with UnitOfWork(sqlite_store) as uow:
        recorded = uow.patients.get_or_raise(pid)
    assumed = {a.field for a in assumptions_in_force(recorded)}
    assert recorded.risk_factors.bone_metastases is True
    assert "risk_factors.bone_metastases" not in assumed
    assert "risk_factors.oral_glucocorticoids_over_6_months" not in assumed
    # What she neither changed nor confirmed is still an assumption, not a statement.
    assert "risk_factors.rheumatoid_arthritis" in assumed

    again = _back(client, _to_the_ehr(client, fresh_ehr))

    assert again.status_code == 303
    with UnitOfWork(sqlite_store) as uow:
        assert uow.patients.get_or_raise(pid).risk_factors.bone_metastases is True


def test_a_relaunch_lists_what_is_new_in_the_ehr_and_adds_only_what_she_ticks(
    sqlite_store: sessionmaker[Session], fresh_ehr: TinyEhr, monkeypatch: pytest.MonkeyPatch
) -> None:
    clinician = _signed_in_clinician(sqlite_store)
    client = clinician.client
    assert _back(client, _to_the_ehr(client, fresh_ehr)).status_code == 303  # first: imported
    pid = fresh_ehr.patient["id"]
    # Since then the EHR got a new vitamin D result, and the bone-metastasis problem once
    # entered in error is now confirmed.
    by_id = {r["id"]: r for r in fresh_ehr.resources}
    lab = json.loads(json.dumps(by_id["4c6a5840-e7e4-53c6-b2d1-d9cda820018c"]))
    lab |= {"id": "new-vitamin-d", "effectiveDateTime": "2025-01-15"}
    lab["valueQuantity"]["value"] = 31.0
    metastases = json.loads(json.dumps(by_id["dd23a1ce-ae7f-521b-a90d-cc06cedeff30"]))
    metastases["verificationStatus"]["coding"][0]["code"] = "confirmed"
    changed = [r for r in fresh_ehr.resources if r["id"] != metastases["id"]]
    monkeypatch.setattr(fresh_ehr, "resources", [*changed, metastases, lab])
    with UnitOfWork(sqlite_store) as uow:
        before = uow.patients.get_or_raise(pid)

    page = _back(client, _to_the_ehr(client, fresh_ehr))

    assert page.status_code == 200, page.text
    main = page.text.split('<main id="main" tabindex="-1">', 1)[1]
    assert main.lstrip().startswith('<section class="patient-banner"')  # whose record this is
    assert "Saves to the record of <strong>" in page.text
    labels = re.findall(r'<label for="pick-(\d+)">([^<]+)</label>', page.text)
    assert [text for _, text in labels] == [
        "lab result 25_oh_vitamin_d on 2025-01-15: 31.0 ng/mL",
        "on the problem list: bone metastases",
    ]
    with UnitOfWork(sqlite_store) as uow:
        assert uow.patients.get_or_raise(pid) == before  # nothing added by the launch itself
        opened = [
            e for e in uow.audit.for_patient(pid) if e.what == "record opened by SMART launch"
        ]
    assert [e.detail["fhir_user"] for e in opened] == [f"{fresh_ehr.fhir_base}/{PRACTITIONER}"]
    news = re.search(r'name="news" value="([^"]+)"', page.text)
    assert news is not None

    added = client.post(
        smart_launch.NEWS_PATH,
        data={"news": news.group(1), "pick": labels[0][0], CSRF_FORM_FIELD: clinician.csrf},
    )

    assert added.status_code == 303 and added.headers["location"].startswith(f"/patients/{pid}/")
    with UnitOfWork(sqlite_store) as uow:
        after = uow.patients.get_or_raise(pid)
        entry = next(e for e in uow.audit.for_patient(pid) if e.what.startswith("entries added"))
    assert [(lab.date.isoformat(), lab.value) for lab in after.labs][-1] == ("2025-01-15", 31.0)
    assert len(after.labs) == len(before.labs) + 1
    assert after.risk_factors.bone_metastases == before.risk_factors.bone_metastases  # not ticked
    assert entry.detail["entries"] == [labels[0][1]]
    assert entry.detail["fhir_user"].endswith(PRACTITIONER)
    # The same list sent again adds nothing twice.
    again = client.post(
        smart_launch.NEWS_PATH,
        data={"news": news.group(1), "pick": labels[0][0], CSRF_FORM_FIELD: clinician.csrf},
    )
    assert again.status_code == 303
    with UnitOfWork(sqlite_store) as uow:
        assert len(uow.patients.get_or_raise(pid).labs) == len(after.labs)
    forged = client.post(
        smart_launch.NEWS_PATH,
        data={"news": news.group(1) + "x", "pick": "0", CSRF_FORM_FIELD: clinician.csrf},
    )
    assert forged.status_code == 400 and "was not made here" in forged.text


def test_signing_in_first_comes_back_to_the_launch(
    sqlite_store: sessionmaker[Session], fresh_ehr: TinyEhr
) -> None:
    app = create_app(session_factory=sqlite_store)
    add_user(sqlite_store, email="dr.later@example.org", role="clinician")
    browser = TestClient(app, follow_redirects=False)
    launched = browser.get(
        smart_launch.LAUNCH_PATH, params={"iss": fresh_ehr.fhir_base, "launch": fresh_ehr.launch_id}
    )
    assert launched.status_code == 303
    assert launched.headers["location"] == f"/login?next={smart_launch.LAUNCH_PATH}"
    login = browser.get(launched.headers["location"])
    found = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert found and f'name="next" value="{smart_launch.LAUNCH_PATH}"' in login.text
    signed = browser.post(
        "/login",
        data={
            "email": "dr.later@example.org",
            "password": PASSWORD,
            "next": smart_launch.LAUNCH_PATH,
            CSRF_FORM_FIELD: found.group(1),
        },
    )
    assert signed.headers["location"] == smart_launch.LAUNCH_PATH

    resumed = browser.get(signed.headers["location"])  # the launch waited in its cookie

    assert resumed.status_code == 303
    assert parse_qs(urlsplit(resumed.headers["location"]).query)["launch"] == [fresh_ehr.launch_id]
    assert _back(browser, _authorize(resumed.headers["location"])).status_code == 303


def test_the_token_never_leaves_the_fhir_server(
    sqlite_store: sessionmaker[Session], fresh_ehr: TinyEhr
) -> None:
    fresh_ehr.next_base = "http://localhost:9"  # a next link to another server
    client = _clinician(sqlite_store)
    refused = _back(client, _to_the_ehr(client, fresh_ehr))
    assert refused.status_code == 502 and "the next page is not on" in refused.text


def test_only_clinicians_launch_and_only_from_a_trusted_fhir_server(
    sqlite_store: sessionmaker[Session], fresh_ehr: TinyEhr
) -> None:
    client = _clinician(sqlite_store)
    refused = client.get(
        smart_launch.LAUNCH_PATH,
        params={"iss": "https://evil.example/fhir", "launch": fresh_ehr.launch_id},
    )
    assert refused.status_code == 403
    assert "does not accept launches from https://evil.example/fhir" in refused.text
    assert fresh_ehr.requests == []

    user = add_user(sqlite_store, email="ann@example.org", role="patient", record=example("normal"))
    patient = signed_in(client.app, sqlite_store, user, "patient").client
    refused = patient.get(
        smart_launch.LAUNCH_PATH, params={"iss": fresh_ehr.fhir_base, "launch": fresh_ehr.launch_id}
    )
    assert refused.status_code == 403 and "for clinicians" in refused.text


def test_a_callback_that_is_not_this_launch_is_refused(
    sqlite_store: sessionmaker[Session], fresh_ehr: TinyEhr
) -> None:
    client = _clinician(sqlite_store)
    no_launch = client.get(smart_launch.CALLBACK_PATH, params={"code": "x", "state": "y"})
    assert no_launch.status_code == 400 and "did not start in this browser" in no_launch.text

    refused = _back(client, _to_the_ehr(client, fresh_ehr), state="forged-state")

    assert refused.status_code == 400
    assert "does not belong to the launch started here" in refused.text
    assert "POST /auth/token" not in fresh_ehr.requests  # the code was never used


def test_the_ehr_saying_no_is_a_clear_page(
    sqlite_store: sessionmaker[Session], fresh_ehr: TinyEhr
) -> None:
    client = _clinician(sqlite_store)
    fresh_ehr.deny = True  # she declines at the EHR's consent screen
    declined = _back(client, _to_the_ehr(client, fresh_ehr))
    assert declined.status_code == 403 and "access_denied" in declined.text

    fresh_ehr.deny, fresh_ehr.token_error = False, "invalid_client"
    refused = _back(client, _to_the_ehr(client, fresh_ehr))

    assert refused.status_code == 502
    assert "token endpoint refused the sign-in code (invalid_client)" in refused.text
    with UnitOfWork(sqlite_store) as uow:
        assert not uow.patients.exists(fresh_ehr.patient["id"])


def test_the_card_link_is_bonewise_own_launch_only_when_set_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PUBLIC_URL_ENV, "https://bonewise.hospital.example/")
    monkeypatch.delenv(smart_launch.CLIENT_ID_ENV, raising=False)
    monkeypatch.setenv(smart_launch.ISSUERS_ENV, "https://ehr.hospital.example/fhir")
    assert smart_launch.launch_url() is None
    monkeypatch.setenv(smart_launch.CLIENT_ID_ENV, CLIENT_ID)
    assert smart_launch.launch_url() == "https://bonewise.hospital.example/smart/launch"


def test_a_relaunch_shows_a_switched_ai_and_ticking_records_the_switch(
    sqlite_store: sessionmaker[Session], fresh_ehr: TinyEhr, monkeypatch: pytest.MonkeyPatch
) -> None:
    clinician = _signed_in_clinician(sqlite_store)
    client = clinician.client
    assert _back(client, _to_the_ehr(client, fresh_ehr)).status_code == 303  # first: imported
    pid = fresh_ehr.patient["id"]
    # Since then she was switched from Arimidex to letrozole (a new order).
    order = next(r for r in fresh_ehr.resources if r["resourceType"] == "MedicationRequest")
    letrozole = json.loads(json.dumps(order)) | {
        "id": "letrozole-order",
        "authoredOn": "2025-05-02",
        "medicationCodeableConcept": {
            "coding": [
                {
                    "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                    "code": "72965",
                    "display": "letrozole",
                }
            ]
        },
    }
    monkeypatch.setattr(fresh_ehr, "resources", [*fresh_ehr.resources, letrozole])

    page = _back(client, _to_the_ehr(client, fresh_ehr))

    # shown as a change to tick, not silently ignored
    assert page.status_code == 200, page.text
    labels = re.findall(r'<label for="pick-(\d+)">([^<]+)</label>', page.text)
    assert [text for _, text in labels] == [
        "changed: aromatase inhibitor switched from anastrozole to letrozole on 2025-05-02"
    ]
    news = re.search(r'name="news" value="([^"]+)"', page.text)
    assert news is not None
    added = client.post(
        smart_launch.NEWS_PATH,
        data={"news": news.group(1), "pick": labels[0][0], CSRF_FORM_FIELD: clinician.csrf},
    )
    assert added.status_code == 303
    with UnitOfWork(sqlite_store) as uow:
        after = uow.patients.get_or_raise(pid)
        entry = next(e for e in uow.audit.for_patient(pid) if e.what.startswith("entries added"))
    assert after.therapy is not None and after.therapy.agent == "letrozole"
    assert [e.agent for e in after.therapy.switched_from] == ["anastrozole"]
    assert entry.detail["entries"] == [labels[0][1]]
