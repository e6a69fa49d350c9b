"""Consent to the processing and the cross-border transfer of a student's personal data (152-FZ, PIPL): the texts per
purpose, versioned in three languages, and every decision about them (docs/privacy.md)."""
