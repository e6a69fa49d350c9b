"""The facilitator's view (``/facilitator/``): the staff of a facilitator institution (HUATEC) follow the cohorts
under the agreements it facilitates: figures per cohort and track, and each student's name and progress; never
passport data, birth dates or contact details. Top layer: it reads programs, students and diplomas."""
