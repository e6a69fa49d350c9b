"""What every form of the staff application shares: Bootstrap markup, a service's refusal next to its field, the
date input."""

import re
from typing import TYPE_CHECKING

from django import forms
from django.utils.formats import get_format
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from mobility.foundation.exceptions import DomainError


def bootstrap_class(widget: forms.Widget, *, compact: bool) -> str:
    if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
        return "form-check-input"  # on each box of a multiple choice too
    if isinstance(widget, forms.Select):
        return "form-select form-select-sm" if compact else "form-select"
    return "form-control form-control-sm" if compact else "form-control"


# To the type checker the mixin is a form (it is only ever mixed into one); at run time it adds no base.
if TYPE_CHECKING:
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class BootstrapFormMixin(_FormBase):
    """Bootstrap classes on every widget (smaller ones with ``compact = True``), ``is-invalid`` on the fields with
    errors (the field include shows the message next to them), and ``add_domain_error`` for a service's refusal."""

    compact = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = bootstrap_class(field.widget, compact=self.compact)
            if css:
                field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def add_domain_error(self, error: DomainError) -> None:
        """Show a service's refusal next to the field it names, or above the form."""
        self.add_error(error.field if error.field in self.fields else None, error.message)


class DateInput(forms.DateInput):
    """A date typed as text in the page language's own date form (ru 30.06.2026, en 2026-06-30, zh 2026/06/30: the
    first of the language's ``DATE_INPUT_FORMATS``), with a placeholder that shows the form; ISO 8601 is accepted in
    every language (Django's ``DateField``).

    Not ``<input type="date">``: Chromium shows that in the browser's own locale, whatever the page's language or
    its ``lang`` attribute, so a Russian page in an English browser asked for mm/dd/yyyy beside dates printed
    30.06.2026 (docs/decisions/0022-date-inputs-as-text.md)."""

    def __init__(self, attrs=None, format=None):
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})}, format=format)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].setdefault("placeholder", date_placeholder())
        return context


def date_input_format() -> str:
    """The strftime form a date field shows and expects first in the active language."""
    return get_format("DATE_INPUT_FORMATS")[0]


def date_placeholder() -> str:
    """The active language's date form in words: ДД.ММ.ГГГГ, YYYY-MM-DD, YYYY/MM/DD."""
    parts = {"%d": gettext("DD"), "%m": gettext("MM"), "%Y": gettext("YYYY"), "%y": gettext("YY")}
    return re.sub(r"%[dmYy]", lambda match: parts[match.group(0)], date_input_format())


def _plain_attrs(attrs: dict) -> str:
    # django/forms/widgets/attrs.html: `` name="value"``, `` name`` for True, nothing for False.
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class PlainSelect(forms.Select):
    """``forms.Select`` written out in Python: the markup of Django's templates (``select.html`` including
    ``select_option.html`` per option, ``attrs.html``), character for character, without a template rendered per
    option. The lists' filter selects hold up to some sixty options and are drawn on every request of the list, where
    a template per option cost more than the table's rows (docs/performance.md, "Staff students list"). Choices with
    option groups are drawn by the templates, as by ``forms.Select``."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        if any(group_name for group_name, _options, _index in widget["optgroups"]):
            return super().render(name, value, attrs, renderer)
        parts = [f'<select name="{escape(widget["name"])}"{_plain_attrs(widget["attrs"])}>']
        for _group, options, _index in widget["optgroups"]:
            for option in options:
                parts.append(
                    f'\n  <option value="{escape(str(option["value"]))}"{_plain_attrs(option["attrs"])}>'
                    f"{conditional_escape(option['label'])}</option>\n"
                )
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
