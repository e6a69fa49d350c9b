"""Public documents of the credentials' issuer: its DID document (``/.well-known/did.json``, how a wallet or a
verifier finds the key that signed a credential) and the revocation status lists (``/credentials/status/<n>``), a
signed ``BitstringStatusListCredential`` (``application/vc+jwt``). Neither names anyone: no consent is involved."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.views import View

from . import documents, status
from .keys import did_document

# Verifiers fetch the list for every credential they check: a minute's cache spares the app, and a revocation is
# seen within that minute.
STATUS_LIST_MAX_AGE = 60


class DidDocumentView(View):
    def get(self, request):
        response = HttpResponse(json.dumps(did_document(), indent=2), content_type="application/did+json")
        response["Cache-Control"] = "public, max-age=3600"
        response["Access-Control-Allow-Origin"] = "*"  # browser wallets resolve it from their own origin
        return response


class StatusListView(View):
    def get(self, request, number: int):
        token = documents.status_list_token(status.status_list(number))
        response = HttpResponse(token, content_type="application/vc+jwt")
        response["Cache-Control"] = f"public, max-age={STATUS_LIST_MAX_AGE}"
        response["Access-Control-Allow-Origin"] = "*"
        return response
