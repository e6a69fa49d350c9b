"""Uploaded files are checked by their content, never by their name or the content type the browser claims, and
against the size limits from settings (``UPLOAD_MAX_PDF_MB``, ``UPLOAD_MAX_TABLE_MB``; docs/security.md).

The PDF checks live here because two apps take PDFs: a signed agreement (``programs.services``, stored) and a copy of a
diploma on the public verification page (``diplomas.forms``, only hashed). Spreadsheets (rosters, gradebooks) are
checked where they are parsed, ``students.imports.base.read_table``.
"""

from __future__ import annotations

import io
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

MB = 1024 * 1024
PDF_MAGIC = b"%PDF-"


def pdf_max_bytes() -> int:
    return settings.UPLOAD_MAX_PDF_MB * MB


def table_max_bytes() -> int:
    return settings.UPLOAD_MAX_TABLE_MB * MB


def too_large_message(size: int, limit: int) -> str:
    return _("The file is %(size).1f MB; the limit is %(limit)d MB.") % {"size": size / MB, "limit": limit // MB}


def head(file: IO[bytes], length: int) -> bytes:
    """The first ``length`` bytes of an uploaded file, which is left at its start."""
    file.seek(0)
    data = file.read(length)
    file.seek(0)
    return data


def starts_as_pdf(file: IO[bytes]) -> bool:
    return head(file, len(PDF_MAGIC)) == PDF_MAGIC


def pdf_opens(file: IO[bytes]) -> bool:
    """Whether a PDF reader finds the file's cross-reference table and its document catalogue: a file that only starts
    with ``%PDF-`` (a renamed or truncated file, another format behind a PDF header) does not. pyHanko's reader (the
    one that signs the diplomas) in its tolerant mode, which also reads scanners' slightly irregular files; it reads the
    structure only, not the pages' content."""
    from pyhanko.pdf_utils.reader import PdfFileReader  # imported here: only PDF uploads need it

    file.seek(0)
    try:
        data = file.read()
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        return reader.root.get("/Type") == "/Catalog" and "/Pages" in reader.root
    except Exception:  # noqa: BLE001 - any failure of the parser on an untrusted file means "not a readable PDF"
        return False
    finally:
        file.seek(0)
