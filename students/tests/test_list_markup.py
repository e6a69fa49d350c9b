# ruff: noqa: E501  (ROW is the template's row verbatim, long lines and all)
"""The students list's rows written in Python (``students/list_markup.py``) are the markup the list's template wrote
(up to whitespace): every flag, enrollments with and without the bulk form's checkbox, none at all, and names and
codes that need escaping, in the three languages. ``ROW`` is the template's row as it was."""

import pytest
from django.template import Context, Template
from django.utils.translation import override

from programs.tests.factories import CohortFactory
from students.list_markup import student_row
from students.models import Enrollment, Student
from students.tests.factories import EnrollmentFactory, StudentFactory
from students.views import LIST_TRANSITION_SOURCES

pytestmark = pytest.mark.django_db

S = Enrollment.Status
ROW = (
    "{% load i18n mobility_tags %}"
    """
<tr>
  <td class="text-nowrap"><a href="{{ student.detail_url }}">{{ student.full_name_latin }}</a>{% if student.has_open_correction %} <a href="{{ student.detail_url }}#corrections" class="badge text-bg-warning text-decoration-none student-correction-flag" title="{% translate 'The student asks to correct their personal data' %}">{% translate "correction" %}</a>{% endif %}{% if student.consent_ended %} <a href="{{ student.detail_url }}#consents" class="badge text-bg-danger text-decoration-none student-consent-flag" title="{% translate 'A consent of the student is withdrawn or declined' %}">{% translate "consent" %}</a>{% endif %}{% if student.transfer_consent_missing %} <a href="{{ student.detail_url }}#consents" class="badge text-bg-warning text-decoration-none student-transfer-flag" title="{% translate 'Passport data held without a consent to the transfer from China to Russia' %}">{% translate "no transfer consent" %}</a>{% endif %}</td>
  <td class="text-nowrap name-han" lang="zh">{{ student.full_name_han }}</td>
  <td class="text-nowrap" lang="ru">{{ student.full_name_cyrillic }}</td>
  <td class="text-nowrap" title="{{ student.home_institution.name }}">{{ student.home_institution }}</td>
  <td class="text-nowrap font-monospace">{{ student.home_student_id }}</td>
  <td>
    {% for e in student.enrollments.all %}
      <span class="d-inline-flex align-items-center gap-1 me-2 text-nowrap">
        {% if can_change_enrollment and e.status in actionable %}
          <input type="checkbox" class="form-check-input m-0" name="enrollment" value="{{ e.pk }}" form="bulk-form" aria-label="{% blocktranslate with name=student.full_name_latin cohort=e.cohort.code %}Select the application of {{ name }} to {{ cohort }}{% endblocktranslate %}">
        {% endif %}
        <span class="small">{{ e.cohort.code }}</span>
        {{ e|status_badge }}
      </span>
    {% empty %}
      <span class="text-body-secondary small">—</span>
    {% endfor %}
  </td>
</tr>
"""
)


def _same(html: str) -> str:
    return " ".join(html.split())


@pytest.fixture
def students():
    """One student with every flag and an application and a completed enrollment (names and codes to escape); one
    with no flag and no enrollment."""
    flagged = StudentFactory(
        family_name_latin='O"Brien <b>',
        given_name_latin="Tom & Jerry",
        family_name_han="<张>",
        family_name_cyrillic="О'Брайен",
        home_student_id="id<&>",
    )
    EnrollmentFactory(student=flagged, cohort=CohortFactory(code="C&<1>"), status=S.APPLIED)
    EnrollmentFactory(student=flagged, cohort=CohortFactory(code="C2"), status=S.COMPLETED)
    plain = StudentFactory()
    rows = list(Student.objects.filter(pk__in=(flagged.pk, plain.pk)).select_related("home_institution"))
    for student in rows:
        flag = student.pk == flagged.pk
        student.has_open_correction = student.consent_ended = student.transfer_consent_missing = flag
        student.detail_url = f"/students/{student.pk}/?a=1&b=2"
    return rows


@pytest.mark.parametrize("language", ["en", "ru", "zh-hans"])
@pytest.mark.parametrize("can_change_enrollment", [True, False])
def test_a_row_is_the_templates_row(students, language, can_change_enrollment):
    template = Template(ROW)
    selectable = LIST_TRANSITION_SOURCES if can_change_enrollment else frozenset()
    with override(language):
        for student in students:
            expected = template.render(
                Context(
                    {
                        "student": student,
                        "can_change_enrollment": can_change_enrollment,
                        "actionable": LIST_TRANSITION_SOURCES,
                    }
                )
            )
            got = student_row(student, url=student.detail_url, selectable=selectable)
            assert _same(got) == _same(expected)
    assert ("form-check-input" in got) is False  # the plain student: no enrollment, no checkbox


def test_a_viewer_who_may_change_enrollments_gets_the_applications_checkbox(students):
    flagged = students[0] if students[0].has_open_correction else students[1]
    html = student_row(flagged, url=flagged.detail_url, selectable=LIST_TRANSITION_SOURCES)
    assert html.count('name="enrollment"') == 1 and "C&amp;&lt;1&gt;" in html and "<b>" not in html
    for flag in ("student-correction-flag", "student-consent-flag", "student-transfer-flag"):
        assert flag in html
