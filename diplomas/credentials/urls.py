from django.urls import path

from . import views

app_name = "credentials"

urlpatterns = [
    path(".well-known/did.json", views.DidDocumentView.as_view(), name="did-document"),
    # did:web resolves an issuer whose address has a path (https://host/mobility) at <path>/did.json.
    path("did.json", views.DidDocumentView.as_view(), name="did-document-path"),
    path("credentials/status/<int:number>", views.StatusListView.as_view(), name="status-list"),
]
