"""The form renderer (settings.FORM_RENDERER): Django's form templates, the common ones written out in Python.

Through the template engine a form field costs a dozen template renders (field, label, errors, widget, an include
per option and per attribute list): the case review's decision, attendance and board-input forms took 40% of
the heavy case review page (issue 7). Each template named in PYTHON_TEMPLATES is rendered here with exactly the
output of Django's template of that name, byte for byte (tests/test_form_renderer.py compares the two for
every widget kind and every form of the project, so a Django upgrade that changes a template fails there); any
other template (an admin widget, a third-party one, a template a form names itself) goes to the template engine
as before. To change one of these templates, take its name out of PYTHON_TEMPLATES and override it as usual.
"""

from collections.abc import Callable
from html import escape

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import SafeData

WIDGETS = "django/forms/widgets/"
# What a form template renders `{{ value }}` in: autoescaping on, localisation and time zone as the settings say.
_CONTEXT = Context()


def _text(value) -> str:
    """`{{ value }}`: localised (numbers, dates) and escaped unless marked safe."""
    if isinstance(value, str):  # labels, names, messages: nothing to localise
        return value if isinstance(value, SafeData) else escape(value)
    return render_value_in_context(value, _CONTEXT)


def _string(value) -> str:
    """`{{ value|stringformat:'s' }}`."""
    try:
        text = "%s" % value  # the filter's own formatting: a tuple is formatted as its items  # noqa: UP031
    except (TypeError, ValueError):
        return ""
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html (and django/forms/attrs.html)."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_string(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict) -> str:
    value = widget.get("value", "")
    shown = f' value="{_string(value)}"' if value is not None else ""
    return f'<input type="{_text(widget.get("type", ""))}" name="{_text(widget["name"])}"{shown}{_attrs(widget["attrs"])}>\n'


def _input_option(option: dict) -> str:
    if not option["wrap_label"]:
        return f"{_input(option)}\n"
    label_for = option["attrs"].get("id")
    label_for = f' for="{_text(label_for)}"' if label_for else ""
    return f"<label{label_for}>{_input(option)} {_text(option['label'])}</label>\n"


def _select_option(option: dict) -> str:
    return f'<option value="{_string(option["value"])}"{_attrs(option["attrs"])}>{_text(option["label"])}</option>\n'


OPTIONS: dict[str, Callable[[dict], str]] = {
    f"{WIDGETS}select_option.html": _select_option,
    f"{WIDGETS}input_option.html": _input_option,
    # radio_option.html and checkbox_option.html: `{% include "…/input_option.html" %}` and a newline.
    f"{WIDGETS}radio_option.html": lambda option: f"{_input_option(option)}\n",
    f"{WIDGETS}checkbox_option.html": lambda option: f"{_input_option(option)}\n",
}


class FormRenderer(DjangoTemplates):
    """DjangoTemplates, with the templates of PYTHON_TEMPLATES rendered by the methods below."""

    def render(self, template_name, context, request=None):
        write = PYTHON_TEMPLATES.get(template_name)
        if write is None:
            return super().render(template_name, context, request)
        return write(self, context).strip()

    def _option(self, option: dict) -> str:
        write = OPTIONS.get(option["template_name"])
        if write is None:  # `{% include option.template_name with widget=option %}`, unstripped
            return self.get_template(option["template_name"]).render({"widget": option})
        return write(option)

    def _optgroups(self, widget: dict, group_start: str, option: str, group_end: str) -> str:
        """The options of a choice widget; a named group's between `group_start` (its escaped name at {}) and
        `group_end`, each option's markup at the {} of `option`."""
        parts = []
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(group_start.format(_text(group)))
            parts.extend(option.format(self._option(choice)) for choice in options)
            if group:
                parts.append(group_end)
        return "".join(parts)

    def select(self, context: dict) -> str:
        widget = context["widget"]
        options = self._optgroups(widget, '\n  <optgroup label="{}">', "\n  {}", "\n  </optgroup>")
        return f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>{options}\n</select>\n'

    def multiple_input(self, context: dict) -> str:
        widget = context["widget"]
        attrs = widget["attrs"]
        div_id = f' id="{_text(attrs["id"])}"' if attrs.get("id") else ""
        div_class = f' class="{_text(attrs["class"])}"' if attrs.get("class") else ""
        options = self._optgroups(widget, "\n  <div><label>{}</label>", "<div>\n    {}</div>", "\n  </div>")
        return f"<div{div_id}{div_class}>{options}\n</div>\n"

    def textarea(self, context: dict) -> str:
        widget = context["widget"]
        value = _text(widget["value"]) if widget["value"] else ""
        return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>\n'

    def field(self, context: dict) -> str:
        """django/forms/field.html: label (or legend in a fieldset), help text, errors, widget."""
        field = context["field"]
        if field.use_fieldset:
            described = field.aria_describedby
            described = f' aria-describedby="{_text(described)}"' if described else ""
            head = f"\n  <fieldset{described}>\n  {_text(field.legend_tag()) if field.label else ''}\n"
        else:
            head = f"\n  {_text(field.label_tag()) if field.label else ''}\n"
        help_text = ""
        if field.help_text:
            auto_id = field.auto_id
            help_id = f' id="{_text(auto_id)}_helptext"' if auto_id else ""
            help_text = f'<div class="helptext"{help_id}>{field.help_text}</div>'
        end = "</fieldset>" if field.use_fieldset else ""
        return f"{head}\n{help_text}\n{_text(field.errors)}\n{_text(field)}{end}\n"

    def label(self, context: dict) -> str:
        """django/forms/label.html: the label (or legend) tag around the escaped contents."""
        if not context["use_tag"]:
            return f"{_text(context['label'])}\n"
        tag = _text(context["tag"])
        return f"<{tag}{_attrs(context['attrs'])}>{_text(context['label'])}</{tag}>\n"

    def error_list(self, context: dict) -> str:
        """django/forms/errors/list/ul.html."""
        errors = context["errors"]
        if not errors:
            return ""
        field_id = getattr(errors, "field_id", None)
        error_id = f' id="{_text(field_id)}_error"' if field_id else ""
        items = "".join(f"<li>{_text(error)}</li>" for error in errors)
        return f'<ul class="{_text(context["error_class"])}"{error_id}>{items}</ul>'


def _input_widget(renderer: FormRenderer, context: dict) -> str:
    # text.html, number.html, …: `{% include "django/forms/widgets/input.html" %}` and a newline.
    return f"{_input(context['widget'])}\n"


PYTHON_TEMPLATES: dict[str, Callable[[FormRenderer, dict], str]] = {
    f"{WIDGETS}input.html": lambda renderer, context: _input(context["widget"]),
    **{
        f"{WIDGETS}{kind}.html": _input_widget
        for kind in (
            "text",
            "number",
            "email",
            "url",
            "password",
            "search",
            "tel",
            "color",
            "hidden",
            "date",
            "datetime",
            "time",
            "checkbox",
            "file",
        )
    },
    f"{WIDGETS}select.html": FormRenderer.select,
    f"{WIDGETS}select_option.html": lambda renderer, context: _select_option(context["widget"]),
    f"{WIDGETS}checkbox_select.html": lambda renderer, context: f"{renderer.multiple_input(context)}\n",
    f"{WIDGETS}radio.html": lambda renderer, context: f"{renderer.multiple_input(context)}\n",
    f"{WIDGETS}multiple_input.html": FormRenderer.multiple_input,
    f"{WIDGETS}textarea.html": FormRenderer.textarea,
    "django/forms/field.html": FormRenderer.field,
    "django/forms/label.html": FormRenderer.label,
    "django/forms/errors/list/default.html": FormRenderer.error_list,
    "django/forms/errors/list/ul.html": FormRenderer.error_list,
}
