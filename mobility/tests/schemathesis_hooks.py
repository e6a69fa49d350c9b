"""schemathesis hooks of the API contract test (``SCHEMATHESIS_HOOKS``, loaded by path in the ``st`` process; no
Django here).

A generated request carries a fresh ``Idempotency-Key`` where schemathesis generated a valid one: its generator
repeats a few values ("0", "00", …), so most writes would otherwise be answered 409 ``idempotency_key_reused``
before their body is read, and the bodies would go untested. An invalid key (the case of a negative test) is sent
as generated. Retries under one key are the generated client's test (``test_api_contract.py``).
"""

import re
import uuid

import schemathesis

IDEMPOTENCY_HEADER = "Idempotency-Key"
_NOT_BLANK = re.compile(r"\S")


@schemathesis.hook
def before_call(context, case, kwargs):
    key = (case.headers or {}).get(IDEMPOTENCY_HEADER)
    if isinstance(key, str) and 1 <= len(key) <= 255 and _NOT_BLANK.search(key):
        case.headers[IDEMPOTENCY_HEADER] = uuid.uuid4().hex
