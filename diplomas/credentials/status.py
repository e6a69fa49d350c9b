"""Bitstring Status Lists (W3C Bitstring Status List v1.0) for the diplomas' revocation.

A diploma's place is fixed by its id: list ``id // LIST_BITS``, index ``id % LIST_BITS``, so no counter is locked
when a diploma is issued and the place is known before it is. Each list is one ``StatusList`` row holding its bits;
``diploma_revoke`` sets the diploma's bit in its own transaction (``status_bit_set``), and the app serves the list
as a signed ``BitstringStatusListCredential`` (``documents.status_list_credential``).
"""

from __future__ import annotations

import base64
import gzip

from django.db import transaction

from diplomas.models import StatusList

# The specification's minimum (16 KB): a list this long gives each diploma group privacy among 131,072 entries.
LIST_BITS = 131_072


def status_place(diploma_id: int) -> tuple[int, int]:
    """``(list number, index)`` of a diploma."""
    return divmod(diploma_id, LIST_BITS)


def bit_is_set(bits: bytes, index: int) -> bool:
    # The specification's order: index 0 is the left-most bit of the first byte.
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def with_bit_set(bits: bytes, index: int) -> bytes:
    data = bytearray(bits or bytes(LIST_BITS // 8))
    data[index // 8] |= 0x80 >> (index % 8)
    return bytes(data)


def encoded_list(bits: bytes) -> str:
    """The list as the credential carries it: GZIP (no timestamp, so the same bits give the same text), then
    base64url without padding, as a multibase string ("u")."""
    compressed = gzip.compress(bits or bytes(LIST_BITS // 8), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def status_bit_set(*, diploma_id: int) -> StatusList:
    """Set the diploma's bit in its list, the list's row locked until the caller's transaction ends (two
    revocations never lose one another's bit). Idempotent."""
    number, index = status_place(diploma_id)
    with transaction.atomic():
        StatusList.objects.get_or_create(number=number)
        status_list = StatusList.objects.select_for_update().get(number=number)
        if not bit_is_set(bytes(status_list.bits or bytes(LIST_BITS // 8)), index):
            status_list.bits = with_bit_set(bytes(status_list.bits or b""), index)
            status_list.save(update_fields=["bits", "modified_at"])
    return status_list


def status_list(number: int) -> StatusList:
    """The list ``number`` as stored; an unsaved empty list when nothing of it was ever revoked."""
    return StatusList.objects.filter(number=number).first() or StatusList(number=number, bits=b"")
