import datetime as dt

from django.urls import reverse

from audit.models import AuditEvent
from guidance import engine, services
from guidance.models import Evaluation
from tests.factories import EventFactory, LesionFactory, MeasurementFactory, PatientFactory, PrimaryTumourFactory
from tests.guidance.db_factories import acc_patient, crc_patient, heavy_patient

HTMX = {"HX-Request": "true"}


def _url(patient) -> str:
    return reverse("guidance:patient-guidance", args=[patient.public_id])


def test_patient_guidance_requires_login(client, releases):
    patient = crc_patient()

    response = client.get(_url(patient))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_patient_guidance_unknown_patient_is_404(client_logged_in, releases):
    response = client_logged_in.get(reverse("guidance:patient-guidance", args=["00000000-0000-0000-0000-000000000000"]))

    assert response.status_code == 404


def test_patient_guidance_renders_the_panel(client_logged_in, releases):
    patient = crc_patient()

    response = client_logged_in.get(_url(patient))

    assert response.status_code == 200
    assert "<html" in response.text
    assert '<section id="guidance-panel"' in response.text
    assert engine.DISCLAIMER in response.text
    assert "2026.1" in response.text
    assert "CRLM-CLS-01" in response.text or "CRLM-MD-04" in response.text
    assert "Computed from imaging" in response.text
    assert 'id="board-inputs"' in response.text
    assert Evaluation.objects.filter(patient=patient).count() == 1


def test_patient_guidance_htmx_returns_the_panel_fragment(client_logged_in, releases):
    patient = crc_patient()

    response = client_logged_in.get(_url(patient), headers=HTMX)

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="guidance-panel"')
    assert "<html" not in response.text
    assert engine.DISCLAIMER in response.text
    assert response["HX-Reswap"] == "outerHTML"


def test_patient_guidance_get_reuses_an_unchanged_evaluation(client_logged_in, releases):
    patient = crc_patient()

    client_logged_in.get(_url(patient))
    client_logged_in.get(_url(patient), headers=HTMX)

    assert Evaluation.objects.filter(patient=patient).count() == 1


def test_patient_guidance_get_evaluates_again_after_the_record_changed(client_logged_in, releases):
    patient = crc_patient()
    client_logged_in.get(_url(patient))
    lesion = LesionFactory(patient=patient, label="S2", organ="liver", detected_on=dt.date(2026, 9, 1))
    MeasurementFactory(lesion=lesion, size_mm=12)

    response = client_logged_in.get(_url(patient))

    assert Evaluation.objects.filter(patient=patient).count() == 2
    assert "S2" in response.text


def test_patient_guidance_board_input_changes_the_findings(client_logged_in, releases):
    patient = crc_patient()
    before = client_logged_in.get(_url(patient), headers=HTMX)

    after = client_logged_in.post(
        _url(patient),
        {"resectability": "upfront_resectable", "all_sites_safely_treatable": "true", "as_of": ""},
        headers=HTMX,
    )

    assert 'id="finding-CRLM-LT-01"' not in before.text
    assert 'id="finding-CRLM-LT-01"' in after.text
    assert after.text.lstrip().startswith('<section id="guidance-panel"')
    latest = Evaluation.objects.for_patient(patient).first()
    assert latest.board_inputs["resectability"] == "upfront_resectable"
    assert latest.board_inputs["all_sites_safely_treatable"] is True


def test_patient_guidance_keeps_the_last_board_inputs_on_the_next_visit(client_logged_in, releases):
    patient = crc_patient()
    client_logged_in.post(_url(patient), {"resectability": "unresectable"}, headers=HTMX)

    response = client_logged_in.get(_url(patient), headers=HTMX)

    assert response.context["form"]["resectability"].value() == "unresectable"
    assert Evaluation.objects.filter(patient=patient).count() == 1


def test_patient_guidance_as_of_changes_the_output(client_logged_in, releases):
    patient = crc_patient()

    today = client_logged_in.get(_url(patient), headers=HTMX)
    earlier = client_logged_in.get(_url(patient) + "?as_of=2026-08-01", headers=HTMX)

    assert today.context["evaluation"].output["is_oligometastatic"] != "false"
    assert earlier.context["evaluation"].as_of == dt.date(2026, 8, 1)
    assert earlier.context["evaluation"].output["facts"]["metastasis_count"] == 0
    assert "no active metastatic disease" in earlier.text


def test_patient_guidance_refuses_a_future_as_of_at_the_field(client_logged_in, releases):
    patient = crc_patient()

    response = client_logged_in.post(_url(patient), {"as_of": "2999-01-01"}, headers=HTMX)

    assert response.status_code == 200
    assert "after today" in response.text
    assert not Evaluation.objects.filter(patient=patient, as_of=dt.date(2999, 1, 1)).exists()


def test_patient_guidance_without_primary_explains_what_is_missing(client_logged_in, releases):
    patient = PatientFactory()

    response = client_logged_in.get(_url(patient), headers=HTMX)

    assert response.status_code == 200
    assert "primary tumour" in response.text
    assert engine.DISCLAIMER in response.text


def test_old_evaluation_is_marked_and_can_be_re_evaluated(client_logged_in, releases, editor):
    patient = acc_patient()
    client_logged_in.get(_url(patient))
    old = Evaluation.objects.get(patient=patient)
    draft = services.release_clone(release=old.release, version="2026.2", by=editor)
    services.release_publish(release=draft, by=editor)

    shown = client_logged_in.get(_url(patient) + f"?evaluation={old.public_id}", headers=HTMX)
    reevaluated = client_logged_in.post(_url(patient), {"reevaluate": str(old.public_id)}, headers=HTMX)

    assert shown.context["evaluation"] == old
    assert "A newer release (2026.2) is published" in shown.text
    assert "Re-evaluate with the current release" in shown.text
    new = reevaluated.context["evaluation"]
    assert new != old
    assert new.release == draft
    assert new.as_of == old.as_of
    assert "A newer release" not in reevaluated.text


def test_patient_guidance_unknown_evaluation_is_404(client_logged_in, releases):
    patient = crc_patient()

    assert client_logged_in.get(_url(patient) + "?evaluation=not-a-uuid").status_code == 404
    assert client_logged_in.post(_url(patient), {"reevaluate": "not-a-uuid"}).status_code == 404
    assert (
        client_logged_in.post(_url(patient), {"reevaluate": "00000000-0000-0000-0000-000000000000"}).status_code == 404
    )


def test_patient_guidance_hides_another_patients_evaluation(client_logged_in, releases):
    patient, other = crc_patient(), crc_patient(mrn="OTHER1")
    client_logged_in.get(_url(other))
    foreign = Evaluation.objects.get(patient=other)

    response = client_logged_in.get(_url(patient) + f"?evaluation={foreign.public_id}")

    assert response.status_code == 404


def _light_patient():
    patient = PatientFactory(name="Light Patient")
    PrimaryTumourFactory(patient=patient)
    MeasurementFactory(lesion=LesionFactory(patient=patient))
    EventFactory(patient=patient)
    return patient


def test_patient_guidance_queries_do_not_grow_with_the_record(client_logged_in, releases, django_assert_num_queries):
    light, heavy = _light_patient(), heavy_patient()
    client_logged_in.get("/patients/")  # renews the session, which is then not written again within a minute
    # session, user, patient+primary, evaluation history;
    # case export: patient+primary, lesions, measurements, events, treated lesions, ki67, ecog, frailty,
    # comorbidities, labs; published release; evaluation reuse lookup; its parameters, its rules;
    # savepoint, evaluation insert, audit insert, release savepoint; view audit insert (the current
    # release is the new evaluation's own)
    with django_assert_num_queries(EXPECTED_QUERIES):
        client_logged_in.get(_url(light), headers=HTMX)
    with django_assert_num_queries(EXPECTED_QUERIES):
        response = client_logged_in.get(_url(heavy), headers=HTMX)

    assert len(response.context["evaluation"].output["lesion_modalities"]) > 0


EXPECTED_QUERIES = 23


def test_every_view_of_guidance_is_audited_even_when_the_evaluation_is_reused(client_logged_in, releases, user):
    patient = crc_patient()

    client_logged_in.get(_url(patient))
    client_logged_in.get(_url(patient), headers=HTMX)
    evaluation = Evaluation.objects.get(patient=patient)
    client_logged_in.get(_url(patient) + f"?evaluation={evaluation.public_id}", headers=HTMX)

    views = AuditEvent.objects.filter(action="evaluation.viewed", patient=patient)
    assert Evaluation.objects.filter(patient=patient).count() == 1
    assert AuditEvent.objects.filter(action="evaluation.created", patient=patient).count() == 1
    assert views.count() == 3
    assert {event.user for event in views} == {user}
    assert {event.target_public_id for event in views} == {str(evaluation.public_id)}


def test_a_refused_as_of_shows_and_audits_the_latest_evaluation(client_logged_in, releases):
    patient = crc_patient()
    client_logged_in.get(_url(patient))

    client_logged_in.post(_url(patient), {"as_of": "2999-01-01"}, headers=HTMX)

    assert AuditEvent.objects.filter(action="evaluation.viewed", patient=patient).count() == 2
