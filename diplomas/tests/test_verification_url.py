"""The verification address is built in one place, ``Diploma.verification_url``: the PDF's QR code, the partner API,
the student portal, the personal-data export and the webhook payload all give that same address, on the public URL
of the moment (``settings.MOBILITY_PUBLIC_URL`` read at each call, not at import)."""

import pytest
from django.urls import resolve, reverse

from diplomas import rendering
from diplomas.api.serializers import DiplomaSerializer
from diplomas.events import diploma_data
from mobility.personal_data.services import student_personal_data
from mobility.tests.support import make_user
from students.tests.factories import consents_answered

pytestmark = pytest.mark.django_db


def test_every_place_gives_the_same_verification_url_on_the_public_url_of_the_moment(settings, client, issued):
    settings.MOBILITY_PUBLIC_URL = "https://verify.example.org/mobility/"
    expected = f"https://verify.example.org/mobility/verify/{issued.verification_code}/"
    assert issued.verification_url == expected
    # The path is the one the public verification page answers.
    assert resolve(expected.removeprefix("https://verify.example.org/mobility")).view_name == "diplomas:verify"

    assert DiplomaSerializer(issued).data["verification_url"] == expected  # the partner API
    assert diploma_data(issued, student=issued.enrollment.student)["verification_url"] == expected  # webhooks
    student = issued.enrollment.student
    [enrollment] = student_personal_data(student=student)["enrollments"]
    assert enrollment["diplomas"][0]["verification_url"] == expected  # the personal-data export
    assert f"<br>{expected}</div>" in rendering.render_diploma_html(issued)  # printed under the QR code

    student.user = make_user("wei")
    student.save()
    consents_answered(student)
    client.force_login(student.user)
    html = client.get(reverse("portal:enrollment", args=[issued.enrollment.pk])).content.decode()
    assert f'href="{expected}"' in html  # the student portal

    settings.MOBILITY_PUBLIC_URL = "https://elsewhere.example.org"  # no trailing slash: still one between
    assert issued.verification_url == f"https://elsewhere.example.org/verify/{issued.verification_code}/"
