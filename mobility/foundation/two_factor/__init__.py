"""Two-factor sign-in (TOTP with recovery codes, on django-otp): the office's policy, each person's set-up, the
sign-in's second step and the rule that keeps every page and the API closed until the code is given
(docs/security.md#two-factor-sign-in)."""
