"""What every form of the staff application shares: Bootstrap markup, a service's refusal next to its field, the
date input."""

from typing import TYPE_CHECKING

from django import forms

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
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")
