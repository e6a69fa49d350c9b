"""The authenticator's set-up as a QR code: an SVG in a ``data:`` URL (the Content-Security-Policy allows images
from ``data:``, nothing from other hosts), drawn by segno."""

from __future__ import annotations

import base64
from binascii import unhexlify

import segno


def qr_data_url(text: str) -> str:
    return segno.make(text, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")


def secret_text(hex_key: str) -> str:
    """The secret as people type it into an app that cannot read the QR code: base32 in groups of four."""
    secret = base64.b32encode(unhexlify(hex_key)).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
