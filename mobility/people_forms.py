"""The forms of the office's pages about the partnership's people (``mobility/people_views.py``)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from mobility.foundation.forms import BootstrapFormMixin
from mobility.foundation.people.models import Membership
from programs.models import Cohort, Institution, Module

ROLE_CHOICES = [("", "—"), *Membership.Role.choices]


def _languages():
    return [("", _("by role")), *settings.LANGUAGES]


LANGUAGE_HELP = _("By role: Chinese for partners and the facilitator, Russian for teachers.")


def _institution_label(institution: Institution) -> str:
    return f"{institution.code} · {institution}"


class MemberFilterForm(BootstrapFormMixin, forms.Form):
    compact = True

    q = forms.CharField(label=_("Name or e-mail"), required=False, max_length=100)
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("all")), *Membership.Role.choices])
    institution: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Institution"), queryset=None, required=False)
    active = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all")), ("yes", _("active")), ("no", _("deactivated"))]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.exclude(kind=Institution.Kind.HOST).order_by("code")
        self.fields["institution"].label_from_instance = lambda institution: institution.code


class MemberInviteForm(BootstrapFormMixin, forms.Form):
    """A new member; ``member_invite`` checks the rules (the role's kind of institution, a free e-mail)."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), help_text=_("Their user name; the invitation is sent there."))
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)
    institution: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Institution"),
        queryset=None,
        required=False,
        help_text=_(
            "A sending college for a coordinator or observer, a facilitator for the facilitator; none for a teacher."
        ),
    )
    language = forms.ChoiceField(label=_("Language"), required=False, choices=(), help_text=LANGUAGE_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = (
            Institution.objects.exclude(kind=Institution.Kind.HOST).filter(is_active=True).order_by("kind", "code")
        )
        self.fields["institution"].label_from_instance = _institution_label
        self.fields["language"].choices = _languages()


class MemberUpdateForm(BootstrapFormMixin, forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
    language = forms.ChoiceField(label=_("Language"), required=False, choices=(), help_text=LANGUAGE_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = _languages()


class TeachingAssignForm(BootstrapFormMixin, forms.Form):
    """A module of a cohort to assign a teacher to; ``teaching_assign`` checks that the module is the cohort's."""

    compact = True

    cohort: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Cohort"), queryset=None)
    module: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Module"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = Cohort.objects.select_related("track").order_by("-start_date", "code")
        self.fields["cohort"].label_from_instance = lambda cohort: f"{cohort.code} ({cohort.track.code})"
        self.fields["module"].queryset = Module.objects.select_related("track").order_by("track__code", "order", "code")
        self.fields["module"].label_from_instance = lambda module: f"{module.track.code} · {module}"
