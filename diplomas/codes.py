"""Verification codes: random, URL-safe, at least 128 bits (DESIGN.md §3), for diplomas and transcripts alike."""

import secrets


def new_verification_code() -> str:
    # 24 random bytes = 192 bits, 32 URL-safe characters.
    return secrets.token_urlsafe(24)
