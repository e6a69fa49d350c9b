"""The office's papers: a cohort's grade sheet per module (ведомость), a student's certificate of study (справка об
обучении) and a cohort's roster, as PDF/A files signed like the diplomas, in Russian beside the student's (or the
sending college's) language. docs/papers.md says what each holds.

- ``labels``: the fixed wording (gettext, context "paper") and which second language a paper is in;
- ``selectors``: what each paper shows, read in a fixed number of queries;
- ``documents``: HTML (``templates/diplomas/papers/``) → PDF/A through ``diplomas.rendering`` → PAdES through
  ``diplomas.signing``; pure, no writes;
- ``services``: a paper made for someone: audited, and a certificate numbered and registered
  (``EnrollmentCertificate``);
- ``views``: the downloads and the cohort's papers page.
"""
