import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


def test_login_page_renders_and_logs_in(client, office):
    page = client.get("/accounts/login/?next=/")
    assert page.status_code == 200 and b'name="csrfmiddlewaretoken"' in page.content
    assert b'class="form-control" required id="id_username"' in page.content
    response = client.post(
        "/accounts/login/", {"username": "clerk", "password": "pw", "next": "/"}
    )  # make_user's password
    assert response.status_code == 302 and response["Location"] == "/"


def test_wrong_password_shows_an_error_on_the_form(client, office):
    response = client.post("/accounts/login/", {"username": "clerk", "password": "nope"})
    assert response.status_code == 200 and b"alert-danger" in response.content


def test_staff_pages_need_office_staff(client, office):
    outsider = get_user_model().objects.create_user("someone")
    client.force_login(outsider)
    assert client.get("/").status_code == 403
    client.force_login(office)
    page = client.get("/")
    assert page.status_code == 200
    assert page.context["staff_navigation"][0] == {"url": "/", "label": "Dashboard", "active": True}


def test_logout_is_a_post(client, office):
    client.force_login(office)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and client.get("/").status_code == 302


def test_the_menu_marks_the_most_specific_section(client, office):
    client.force_login(office)
    menu = client.get("/students/continuations/").context["staff_navigation"]
    active = [item["label"] for item in menu if item["active"]]
    assert active == ["Continuations"]


def test_the_menu_groups_its_entries(client, office, office_admin):
    client.force_login(office_admin)
    menu = client.get("/tracks/").context["staff_menu"]
    shape = [
        (str(entry["label"] or entry["links"][0]["label"]), [str(link["label"]) for link in entry["links"]])
        if "links" in entry
        else str(entry["label"])
        for entry in menu
    ]
    assert shape == [
        "Dashboard",
        (
            "Students",
            ["Students", "Continuations", "Messages", "Partner colleges' threads"],
        ),  # a split button: the list, the rest behind a caret
        "Cohorts",
        "Diplomas",
        "Reports",
        ("Programs", ["Tracks", "Institutions", "Agreements"]),
        (
            "Administration",
            [
                "People",
                "API keys",
                "Audit log",
                "Consent texts",
                "Designs and signatories",
                "Transfers of personal data",
                "Retention of personal data",
                "Two-factor sign-in",
            ],
        ),
    ]
    programs = next(entry for entry in menu if entry.get("key") == "programs")
    assert programs["active"] and [link["active"] for link in programs["links"]] == [True, False, False]
    # A clerk holds one permission of the Administration group: the dropdown holds only its page (the partnership's
    # people), never an entry the clerk may not open.
    client.force_login(office)
    menu = client.get("/").context["staff_menu"]
    administration = next(entry for entry in menu if entry.get("key") == "administration")
    assert [str(link["label"]) for link in administration["links"]] == ["People"]
    assert "programs" in [entry.get("key") for entry in menu]
