"""The teacher's workspace's pages: their modules per cohort, a module's results grid and their history.

Thin like the office's pages: one selector reads (scoped to the viewer: ``students.teaching.selectors``), the office
grid's form validates and ``results_record_grid`` writes, all or nothing, audited as the teacher.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from mobility.foundation.access import TEACHER
from mobility.foundation.audit_sentences import audit_sentence
from mobility.foundation.exceptions import DomainError
from mobility.foundation.views import MemberRequiredMixin
from programs.models import TeachingAssignment

from .. import services
from ..forms import ResultsGridForm
from . import selectors

HISTORY_PER_PAGE = 25
# The grid form's cell fields (``ResultsGridForm``): score_<enrollment>_<module>, retake_<enrollment>_<module>.
CELL_FIELD = re.compile(r"^(?:score|retake)_\d+_\d+$")


class TeachingView(MemberRequiredMixin, View):
    """A page of the teacher's workspace."""

    roles = (TEACHER,)
    template_name = ""
    section = ""

    def render(self, request, context: dict | None = None, *, template_name: str | None = None, status: int = 200):
        base = {
            "area_name": _("Teaching"),
            "home_url": reverse("teaching:home"),
            "place_name": "",
            "person_name": request.user.membership.full_name,
            "nav": [
                (reverse("teaching:home"), _("My modules"), "home"),
                (reverse("teaching:history"), _("My history"), "history"),
            ],
            "section": self.section,
        }
        return render(request, template_name or self.template_name, {**base, **(context or {})}, status=status)

    def assignment(self, request, pk) -> TeachingAssignment:
        """One of the viewer's own assignments; 404 for anyone else's (the same answer as for no such id)."""
        try:
            return selectors.teaching_assignment_get(viewer=request.user, pk=pk)
        except TeachingAssignment.DoesNotExist:
            raise Http404(_("No such module of yours.")) from None


class HomeView(TeachingView):
    template_name = "teaching/home.html"
    section = "home"

    def get(self, request):
        return self.render(request, {"groups": selectors.teaching_overview(viewer=request.user)})


class GridView(TeachingView):
    """The cohort's students × the assignment's module: every attempt, and a cell to record or correct a score with
    the office grid's rule and form (``ResultsGridForm``) and service (``results_record_grid``): all edited cells
    are saved together or not at all. A POST naming a cell outside the grid (another module, another cohort's
    student) is refused whole."""

    template_name = "teaching/grid.html"
    section = "home"

    def get(self, request, pk):
        assignment = self.assignment(request, pk)
        grid = selectors.teaching_grid(viewer=request.user, assignment=assignment)
        form = ResultsGridForm(initial={"assessed_on": timezone.localdate()}, grid=grid.grid)
        return self.page(request, assignment, grid, form)

    def post(self, request, pk):
        assignment = self.assignment(request, pk)
        grid = selectors.teaching_grid(viewer=request.user, assignment=assignment)
        form = ResultsGridForm(request.POST, grid=grid.grid)
        back = reverse("teaching:grid", args=[assignment.pk])
        foreign = [name for name in request.POST if CELL_FIELD.match(name) and name not in form.fields]
        if foreign:
            form.is_valid()
            form.add_error(None, _("Nothing was saved: the form names a student or a module that is not in this grid."))
            return self.page(request, assignment, grid, form, status=400)
        if form.is_valid():
            cells = form.changed_cells()
            if not cells:
                messages.info(request, _("No cell was changed; nothing to save."))
                return redirect(back)
            try:
                saved = services.results_record_grid(
                    cells=cells, by=request.user, assessed_on=form.cleaned_data["assessed_on"]
                )
            except DomainError as error:
                form.add_cell_errors(error.details.get("errors", {}))
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    ngettext("%(count)d result saved.", "%(count)d results saved.", len(saved)) % {"count": len(saved)},
                )
                return redirect(back)
        else:
            messages.error(request, _("Nothing was saved: correct the marked cells."))
        return self.page(request, assignment, grid, form, status=400)

    def page(self, request, assignment, grid, form, status=200):
        rows = []
        for row in grid.rows:
            score, retake = form.field_names(row, row.cells[0])
            rows.append(
                {
                    "row": row,
                    "cell": row.cells[0],
                    "attempts": grid.attempts.get(row.enrollment.pk, []),
                    "score": form[score] if score else None,
                    "retake": form[retake] if retake else None,
                }
            )
        context = {"assignment": assignment, "cohort": assignment.cohort, "module": assignment.module}
        context |= {"rows": rows, "form": form}
        return self.render(request, context, status=status)


class HistoryView(TeachingView):
    """The results the teacher recorded or corrected, newest first, as sentences."""

    template_name = "teaching/history.html"
    section = "history"

    def get(self, request):
        page = Paginator(selectors.teaching_history(viewer=request.user), HISTORY_PER_PAGE).get_page(
            request.GET.get("page")
        )
        entries = [{"entry": entry, "sentence": audit_sentence(entry)} for entry in page.object_list]
        return self.render(request, {"page_obj": page, "entries": entries})
