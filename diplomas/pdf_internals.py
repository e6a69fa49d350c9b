"""Every use of another library's internals that the diploma documents rely on, each behind one named function.

The renderer (``diplomas.rendering``) and the signer (``diplomas.signing``) use only the documented APIs of
WeasyPrint, pydyf, pikepdf, pyHanko and Django, except for the few things below, which those APIs do not offer.
Each function says what it relies on, as read in the versions ``requirements.txt`` pins; ``test_pdf_internals``
checks that those versions are installed and runs each function for real, so an upgrade fails there first. After an
upgrade, re-read the library's source for what the docstring names, then move its pin in ``PINNED``.

pikepdf needs nothing here: the layers use its documented ``Page.add_underlay``, ``Page.as_form_xobject``,
``Pdf.copy_foreign``, ``Pdf.objects`` and ``Pdf.save`` options only.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

# The versions these functions were read against: test_pdf_internals fails when another one is installed.
PINNED = {"weasyprint": "70.0", "pydyf": "0.13.0", "pyHanko": "0.38.0", "Django": "5.2.19"}


# --- WeasyPrint: the laid-out boxes of a page -------------------------------------------------------------------------


@dataclass(frozen=True)
class ElementBox:
    """The first layout box of an element carrying an attribute: its border box in CSS pixels from the page's
    top-left corner, and its computed ``text-align``."""

    value: str  # the attribute's value
    left: float
    top: float
    width: float
    height: float
    text_align: str


def element_boxes(page, attribute: str) -> Iterator[ElementBox]:
    """The first box of each element of a laid-out WeasyPrint ``page`` with ``attribute``, one per attribute value,
    in document order.

    WeasyPrint's ``Page`` documents its size, links, anchors and bookmarks, not the boxes. Relies on (weasyprint
    70.0): ``Page._page_box`` (the page's root box, set in ``Page.__init__``); ``Box.descendants(placeholders=True)``
    yielding every box depth first, an element's own box before its children's; ``Box.element`` (the source
    element, with ``get``); ``border_box_x``/``border_box_y``/``border_width``/``border_height``; and the computed
    style's ``text_align_all`` key.
    """
    seen = set()
    for box in page._page_box.descendants(placeholders=True):
        element = getattr(box, "element", None)
        value = element.get(attribute) if element is not None else None
        if value is None or value in seen:
            continue
        seen.add(value)
        yield ElementBox(
            value=value,
            left=box.border_box_x(),
            top=box.border_box_y(),
            width=box.border_width(),
            height=box.border_height(),
            text_align=box.style["text_align_all"],
        )


# --- pydyf: streams handed over compressed ----------------------------------------------------------------------------


def compress_streams(pdf) -> None:
    """Compress every stream of a ``pydyf.PDF`` that pydyf would compress, once, now, and hand it back to pydyf as
    already-compressed bytes with its ``/FlateDecode`` filter: what pydyf then writes is byte for byte what it
    would have written (it compresses at zlib level 9 too), without compressing the stream again each time its
    ``data`` is asked for.

    Relies on (pydyf 0.13.0): ``PDF.objects``; ``Stream.stream`` (a list of items), ``Stream.compress``,
    ``Stream.extra``; ``Stream.data`` joining the items with ``b"\\n"`` through the private ``pydyf._to_bytes``,
    then compressing with ``zlib.compressobj(level=9)`` and setting ``Filter`` when ``compress`` is on.
    """
    import pydyf

    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.compress:
            raw = b"\n".join(pydyf._to_bytes(item) for item in obj.stream)
            obj.stream = [zlib.compress(raw, 9)]
            obj.extra["Filter"] = "/FlateDecode"
            obj.compress = False


# --- pyHanko: the extensions a signature declares ---------------------------------------------------------------------


def pdf17_pades_signer(signature_meta, *, signer):
    """A ``pyhanko.sign.signers.PdfSigner`` that keeps a PDF 1.7 file at 1.7 while it signs (PDF/A-1, -2 and -3 are
    built on PDF 1.7): it declares the PAdES extension (ESIC) as pyHanko does, and not ISO/TS 32002, which pyHanko
    declares for an ECDSA P-256 key and which raises the catalog to PDF 2.0. PDF 2.0 input is left to pyHanko.

    Relies on (pyHanko 0.38.0): ``PdfSigner.register_extensions(pdf_out, *, md_algorithm)``, an undocumented hook
    that ``PdfSigner`` calls once while it prepares the signature, and whose stock body raises the version.
    """
    return _pdf17_signer_class()(signature_meta, signer=signer)


@cache
def _pdf17_signer_class():
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers import constants

    class Pdf17PadesSigner(signers.PdfSigner):
        def register_extensions(self, pdf_out, *, md_algorithm: str):
            if pdf_out.output_version >= (2, 0):
                return super().register_extensions(pdf_out, md_algorithm=md_algorithm)
            if self.signature_meta.subfilter == fields.SigSeedSubFilter.PADES:
                pdf_out.ensure_output_version(version=(1, 7))
                pdf_out.register_extension(constants.ESIC_EXTENSION_1)
            return None

    return Pdf17PadesSigner


def key_preloaded_signer(private_key, *, signing_cert, signing_key, cert_registry):
    """A ``pyhanko.sign.signers.SimpleSigner`` that signs with ``private_key``, a ``cryptography`` key object loaded
    once, instead of parsing ``signing_key`` again for every signature (most of the cost of an RSA signature). ECDSA
    and RSA PKCS#1 v1.5 are signed here; any other mechanism goes to pyHanko's own ``sign_raw``.

    Relies on (pyHanko 0.38.0): ``SimpleSigner.async_sign_raw``, what the signing session awaits, calling
    ``self.sign_raw(data, digest_algorithm)``. Were it to stop, signatures would still be right, only slower.
    """
    return _key_preloaded_signer_class()(
        private_key, signing_cert=signing_cert, signing_key=signing_key, cert_registry=cert_registry
    )


@cache
def _key_preloaded_signer_class():
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from pyhanko.sign import signers

    class KeyPreloadedSigner(signers.SimpleSigner):
        def __init__(self, private_key, **kwargs):
            super().__init__(**kwargs)
            self.preloaded_key = private_key

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            hash_algorithm = getattr(hashes, digest_algorithm.upper().replace("-", "_"))()
            key = self.preloaded_key
            if mechanism == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
                return key.sign(data, ec.ECDSA(hash_algorithm))
            if mechanism == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
                return key.sign(data, padding.PKCS1v15(), hash_algorithm)
            return super().sign_raw(data, digest_algorithm)

    return KeyPreloadedSigner


# --- Django: relations already loaded ---------------------------------------------------------------------------------


def loaded_relation(instance, name: str, *, beneath: tuple[str, ...] = ()):
    """The related object ``instance.<name>`` when it is already loaded and so is every relation of ``beneath``
    (``select_related`` paths from it, "cohort__host"); None when reading any of them would query the database.
    A relation whose foreign key is null (an agreement without a facilitator) counts as loaded.

    Django documents no way to ask whether a relation is cached. Relies on (Django 5.2.19): ``Model._state`` and
    its ``fields_cache`` dict, holding each loaded forward relation under the field's name, filled by
    ``select_related`` and by assigning the object (``ForwardManyToOneDescriptor``, ``FieldCacheMixin``).
    """
    related = instance._state.fields_cache.get(name)
    if related is None or not all(_path_loaded(related, path) for path in beneath):
        return None
    return related


def _path_loaded(instance, path: str) -> bool:
    for name in path.split("__"):
        if instance is None:
            return True
        if name not in instance._state.fields_cache:
            field = instance._meta.get_field(name)
            return getattr(instance, field.attname) is None
        instance = instance._state.fields_cache[name]
    return True
