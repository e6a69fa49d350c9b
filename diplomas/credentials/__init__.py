"""The diploma as a verifiable credential: an Open Badges 3.0 ``OpenBadgeCredential`` (W3C Verifiable Credentials
Data Model 2.0) secured as a VC-JOSE credential (a compact JWS, ``application/vc+jwt``, signed with the institution's
Ed25519 key), issued by the university's ``did:web``, revocable through a Bitstring Status List.

- ``keys``: the issuer's key, its DID and DID document;
- ``jose``: compact JWS signing (and reading, for the app's own checks);
- ``documents``: the credential of a diploma, the status list credential, the enveloped JSON form;
- ``status``: the status lists' bits, set by ``diplomas.services.diploma_revoke``.

Why VC-JOSE rather than a Data Integrity proof, and what a verifier does: docs/decisions/0026.
"""
