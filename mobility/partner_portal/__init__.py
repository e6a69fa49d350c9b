"""The partner portal (``/partner/``): a sending college's coordinators and observers follow their own students,
agreements, cohorts, applications, results and diplomas; coordinators also nominate, import rosters and manage their
college's API keys and webhooks. Every row comes from the selectors with ``viewer=request.user``: the one access rule
(``mobility.foundation.access``) narrows them to the viewer's college. Top layer: it reads programs, students and
diplomas."""
