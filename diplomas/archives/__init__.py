"""A cohort's issued PDFs as one ZIP: requested on the cohort's page, built by a Celery task with its progress in the
database (``DiplomaArchive``), stored whole, downloaded by the office."""
