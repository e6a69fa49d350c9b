"""The office's pages about the partnership's people (``mobility/people_views.py``), included under ``people/``."""

from django.urls import path

from mobility import people_views as views

app_name = "people"

urlpatterns = [
    path("", views.MemberListView.as_view(), name="member-list"),
    path("invite/", views.MemberInviteView.as_view(), name="member-invite"),
    path("<int:pk>/", views.MemberDetailView.as_view(), name="member-detail"),
    path("<int:pk>/edit/", views.MemberUpdateView.as_view(), name="member-edit"),
    path("<int:pk>/deactivate/", views.MemberActionView.as_view(action="deactivate"), name="member-deactivate"),
    path("<int:pk>/reactivate/", views.MemberActionView.as_view(action="reactivate"), name="member-reactivate"),
    path("<int:pk>/reinvite/", views.MemberActionView.as_view(action="reinvite"), name="member-reinvite"),
    path("<int:pk>/assignments/", views.TeachingAssignView.as_view(), name="teaching-assign"),
    path(
        "<int:pk>/assignments/<int:assignment_pk>/remove/",
        views.TeachingUnassignView.as_view(),
        name="teaching-unassign",
    ),
]
