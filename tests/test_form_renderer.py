"""The Python form renderer writes exactly what Django's form templates write (config/form_renderer.py).

Each case renders the same thing twice, through config.form_renderer.FormRenderer and through Django's own
DjangoTemplates renderer, and compares the HTML byte for byte: single widgets of every kind the renderer writes,
fields with labels, help texts, errors and fieldsets, and the pages of the project that show forms (GET, and
POSTs that come back with errors).
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import override_settings
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from config.form_renderer import PYTHON_TEMPLATES, FormRenderer
from demo.management.commands.generate_load_data import generate
from patients.views import RECORD_KINDS

DJANGO = "django.forms.renderers.DjangoTemplates"
OURS = "config.form_renderer.FormRenderer"

CHOICES = [
    ("", "Choose…"),
    ("a", "Alpha & <b>"),
    (1, 1),
    (Decimal("2.5"), "Two and a half"),
    ("Group 'one'", [("g1", "G one"), ("g2", mark_safe("<em>G two</em>"))]),
    ("lazy", gettext_lazy("Lazy")),
]
TRICKY = "Say \"hi\" & <script>'x'</script>"

WIDGETS = [
    (forms.TextInput(), "text", TRICKY, None),
    (forms.TextInput(attrs={"required": True, "disabled": False, "maxlength": 40, "data-x": None}), "t", "", None),
    (forms.TextInput(), "t", None, {"id": "id_t", "aria-describedby": "id_t_helptext"}),
    (forms.NumberInput(attrs={"step": Decimal("0.1")}), "n", 3, None),
    (forms.NumberInput(), "n", Decimal("12.50"), None),
    (forms.DateInput(attrs={"type": "date"}), "d", dt.date(2026, 12, 2), None),
    (forms.DateTimeInput(), "dt", dt.datetime(2026, 12, 2, 9, 30), None),
    (forms.TimeInput(attrs={"type": "time"}), "tm", dt.time(8, 5), None),
    (forms.EmailInput(), "e", "a&b@example.org", None),
    (forms.URLInput(), "u", "https://example.org/?a=1&b=2", None),
    (forms.PasswordInput(render_value=True), "p", "s3cret<", None),
    (forms.PasswordInput(), "p", "hidden", None),
    (forms.SearchInput(), "q", "x", None),
    (forms.TelInput(), "tel", "+41 1", None),
    (forms.ColorInput(), "c", "#ffffff", None),
    (forms.HiddenInput(), "version", 4, None),
    (forms.CheckboxInput(), "flag", True, {"id": "id_flag"}),
    (forms.CheckboxInput(), "flag", False, None),
    (forms.FileInput(), "f", None, None),
    (forms.Textarea(), "notes", "", None),
    (forms.Textarea(attrs={"rows": 2}), "notes", TRICKY, {"id": "id_notes"}),
    (forms.Textarea(), "notes", mark_safe("<b>kept</b>"), None),
    (forms.Select(choices=CHOICES), "s", "g2", {"id": "id_s"}),
    (forms.Select(choices=CHOICES), "s", None, None),
    (forms.Select(choices=[]), "empty", None, None),
    (forms.NullBooleanSelect(), "nb", True, None),
    (forms.SelectMultiple(choices=CHOICES), "sm", ["a", "1"], {"id": "id_sm"}),
    (forms.RadioSelect(choices=CHOICES), "r", "a", {"id": "id_r", "class": "inline"}),
    (forms.RadioSelect(choices=CHOICES), "r", None, None),
    (forms.CheckboxSelectMultiple(choices=CHOICES), "cs", ["g1", "lazy"], {"id": "id_cs"}),
    (forms.CheckboxSelectMultiple(choices=[("x", "X")]), "cs", [], {"required": True}),
]


class _CustomOption(forms.RadioSelect):
    """An option template the renderer does not write: it goes to the template engine, inside our HTML."""

    option_template_name = "django/forms/widgets/select_option.html"


@pytest.mark.parametrize(
    ("widget", "name", "value", "attrs"), [*WIDGETS, (_CustomOption(choices=CHOICES), "o", "a", None)]
)
def test_widget_html_is_django_templates_html(widget, name, value, attrs):
    ours = widget.render(name, value, attrs=attrs, renderer=FormRenderer())
    assert ours == widget.render(name, value, attrs=attrs, renderer=DjangoTemplates())
    assert widget.template_name in PYTHON_TEMPLATES or isinstance(widget, forms.SelectMultiple)


class KitchenSinkForm(forms.Form):
    name = forms.CharField(label="Name <full>", help_text="As on the <em>ID</em> card", max_length=20)
    count = forms.IntegerField(min_value=1, initial=2)
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    choice = forms.ChoiceField(choices=CHOICES[:3], widget=forms.RadioSelect, help_text="Pick one")
    many = forms.MultipleChoiceField(choices=CHOICES, widget=forms.CheckboxSelectMultiple, required=False)
    agree = forms.BooleanField(label="", required=True)
    notes = forms.CharField(widget=forms.Textarea, required=False, disabled=True, initial="Fixed")
    shadow = forms.CharField(show_hidden_initial=True, initial="before", required=False)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        raise forms.ValidationError(["Whole-form problem & more.", "Second one."])


def _rendered(form_factory) -> list[str]:
    form = form_factory()
    return [
        form.as_div(),
        form.as_p(),
        str(form.non_field_errors()),
        *(str(form[name].as_field_group()) for name in form.fields),
        *(form[name].label_tag() + form[name].legend_tag() for name in form.fields),
    ]


@pytest.mark.parametrize("data", [None, {}, {"name": "x" * 30, "count": "0", "choice": "zz", "many": ["a", "q"]}])
def test_field_groups_labels_and_errors_are_django_templates_html(data):
    def form_with(renderer):
        return lambda: KitchenSinkForm(data, renderer=renderer, auto_id="id_%s")

    assert _rendered(form_with(FormRenderer())) == _rendered(form_with(DjangoTemplates()))
    without_ids = KitchenSinkForm(data, renderer=FormRenderer(), auto_id=False)
    assert without_ids.as_div() == KitchenSinkForm(data, renderer=DjangoTemplates(), auto_id=False).as_div()


def test_settings_use_the_python_renderer():
    assert type(KitchenSinkForm().renderer) is FormRenderer


# Tokens that change from one request to the next (CSRF, CSP nonces) are not what is compared.
_TOKENS = re.compile(r"(csrfmiddlewaretoken\" value=\"|x-csrftoken\": \"|nonce=\")[^\"]+")


def _page(client, method: str, url: str, renderer: str, **kwargs) -> str:
    with override_settings(FORM_RENDERER=renderer):
        response = getattr(client, method)(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return _TOKENS.sub(r"\1…", response.content.decode())


@pytest.fixture
def loaded(db):
    return generate(patients=1, lesions=3, measurements=2, events=6, meetings=1, cases_per_meeting=1, seed=5)


def test_pages_with_forms_are_the_same_with_either_renderer(client, loaded):
    patient, meeting = loaded.patients[0], loaded.meetings[0]
    client.force_login(loaded.users["chair"])
    lesion = patient.lesions.first()
    review = f"/boards/meetings/{meeting.public_id}/review/1/"
    pages = [
        ("get", review, {}),
        ("post", review, {"data": {"action": "decision", "version": "0"}, "headers": {"HX-Request": "true"}}),
        ("post", review, {"data": {"action": "guidance", "ki67_known": "maybe"}, "headers": {"HX-Request": "true"}}),
        ("get", meeting.get_absolute_url(), {}),
        ("get", f"/guidance/patients/{patient.public_id}/", {"headers": {"HX-Request": "true"}}),
        ("get", "/patients/?q=a", {}),
        ("get", "/patients/new/", {}),
        ("post", "/patients/new/", {"data": {"mrn": "", "name": "<b>x</b>", "birth_date": "2999-01-01"}}),
        ("get", f"/patients/{patient.public_id}/lesion/{lesion.public_id}/", {}),
        ("get", f"/patients/{patient.public_id}/patient/{patient.public_id}/", {}),
        ("get", f"/patients/{patient.public_id}/primary/{patient.primary.public_id}/", {}),
        *(
            ("get", f"/patients/{patient.public_id}/{kind}/new/", {})
            for kind in RECORD_KINDS
            if kind not in ("patient", "primary")
        ),
        *(
            ("post", f"/patients/{patient.public_id}/{kind}/new/", {"data": {"version": "0"}})
            for kind in RECORD_KINDS
            if kind not in ("patient", "primary")
        ),
    ]
    # The first view of a page may store its evaluation or renew the session; then both renderers see the same.
    for method, url, kwargs in pages:
        _page(client, method, url, OURS, **kwargs)
    for method, url, kwargs in pages:
        assert _page(client, method, url, OURS, **kwargs) == _page(client, method, url, DJANGO, **kwargs), url
