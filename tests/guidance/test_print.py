"""The guidance partials on the web and in the printed case summary (reports/documents.py, templates/pdf/)."""

import logging

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from guidance import services
from reports.documents import case_summary_context
from reports.rendering import html_to_pdf
from tests.guidance.db_factories import AS_OF, crc_patient

HTMX = {"HX-Request": "true"}


@pytest.fixture
def undetermined_patient(releases):
    """A CRC patient whose guidance is undetermined for want of board inputs (links on the web page)."""
    return crc_patient(name="Print Patient")


def _case_summary_html(patient, user, **extra) -> str:
    context = case_summary_context(patient, user=user, now=timezone.now())
    return render_to_string("pdf/case_summary.html", {**context, **extra, "printed_by": user})


@pytest.mark.parametrize("flag", [{}, {"printing": True}])
def test_printed_guidance_has_no_web_links_forms_or_expandable_parts(undetermined_patient, user, flag):
    html = _case_summary_html(undetermined_patient, user, **flag)
    guidance = html.split("<h2>Guidance</h2>", 1)[1]

    assert "Undetermined: data or board inputs missing" in guidance
    assert "Resectability (board input)" in guidance
    assert "<a " not in guidance
    assert "<details" not in guidance
    assert "<form" not in guidance
    assert "All sites safely treatable (board input)" in guidance


def test_printing_the_case_summary_raises_no_weasyprint_anchor_warning(undetermined_patient, user, caplog):
    html = _case_summary_html(undetermined_patient, user, printing=True)

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = html_to_pdf(html)

    assert pdf.startswith(b"%PDF")
    assert not [record for record in caplog.records if "anchor" in record.getMessage().lower()]


def test_web_panel_links_each_missing_item_to_where_it_is_entered(client_logged_in, undetermined_patient):
    response = client_logged_in.get(
        reverse("guidance:patient-guidance", args=[undetermined_patient.public_id]), headers=HTMX
    )
    text = response.text

    assert 'href="#id_all_sites_safely_treatable"' in text
    assert 'href="#id_resectability"' in text
    assert "#record" not in text
    assert "#lesions" not in text  # every lesion is measured: no missing fact is entered there


def test_missing_record_facts_link_to_their_section(client_logged_in, releases):
    patient = crc_patient()
    patient.primary.n_status = ""
    patient.primary.save(update_fields=["n_status"])

    text = client_logged_in.get(reverse("guidance:patient-guidance", args=[patient.public_id]), headers=HTMX).text

    assert f'href="{patient.get_absolute_url()}#primary"' in text
    assert "N status of the primary" in text


def test_verdict_does_not_say_undetermined_twice(client_logged_in, undetermined_patient):
    text = client_logged_in.get(
        reverse("guidance:patient-guidance", args=[undetermined_patient.public_id]), headers=HTMX
    ).text

    assert "Undetermined</strong>" in text
    assert "— undetermined" not in text


def test_facts_used_show_labels_with_values_and_keep_the_code(client_logged_in, releases, user):
    patient = crc_patient()
    evaluation = services.evaluation_create(
        patient=patient,
        by=user,
        as_of=AS_OF,
        board_inputs={"resectability": "upfront_resectable", "all_sites_safely_treatable": True},
    )

    text = client_logged_in.get(
        reverse("guidance:patient-guidance", args=[patient.public_id]) + f"?evaluation={evaluation.public_id}",
        headers=HTMX,
    ).text
    finding = text.split('id="finding-CRLM-LT-02"', 1)[1].split("</li>", 1)[0]

    assert "All liver metastases ≤ 30 mm" in finding
    assert (
        '<code class="fact-code" title="Name in the rule condition">all_liver_at_most(CRLM_TA_MAX_MM)</code>' in finding
    )
    assert "<dd>yes</dd>" in finding


def test_unmeasured_lesion_is_marked_in_the_grid(client_logged_in, releases):
    patient = crc_patient()
    lesion = patient.lesions.get(label="S4")
    lesion.measurements.all().update(withdrawn_at=timezone.now(), withdrawn_reason="entered in error")

    text = client_logged_in.get(reverse("guidance:patient-guidance", args=[patient.public_id]), headers=HTMX).text

    grid = text.split('class="modality-grid"', 1)[1].split("</table>", 1)[0]
    assert "size not measured" in grid
    assert "size to be confirmed" in grid
    assert "Size not measured: the rating assumes nothing about size" in grid
