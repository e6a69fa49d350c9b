"""The other libraries' internals the diplomas rely on (``diplomas.pdf_internals``): the pinned versions are the
installed ones, each function works on a small real document, and no other module reaches those internals.

An upgrade of WeasyPrint, pydyf, pyHanko or Django fails here first: re-read what each function's docstring names in
the new version, fix the function, then move its pin in ``pdf_internals.PINNED`` (and requirements.txt).
"""

from __future__ import annotations

import ast
import io
import re
from importlib import metadata
from pathlib import Path

import pytest
from django.conf import settings

from diplomas import pdf_internals, rendering, signing
from diplomas.models import Diploma
from diplomas.tests.test_rendering import make_diploma
from students.tests.factories import EnrollmentFactory

ROOT = Path(__file__).resolve().parents[2]
ADAPTER = ROOT / "diplomas" / "pdf_internals.py"


# --- (a) the versions the adapter was read against --------------------------------------------------------------


@pytest.mark.parametrize("package", sorted(pdf_internals.PINNED))
def test_the_installed_version_is_the_one_the_adapter_was_read_against(package):
    installed, pinned = metadata.version(package), pdf_internals.PINNED[package]
    assert installed == pinned, (
        f"upgraded {package} ({pinned} -> {installed}): re-check diplomas/pdf_internals.py, then update its PINNED"
    )


@pytest.mark.parametrize("package", sorted(pdf_internals.PINNED))
def test_requirements_pin_the_same_versions(package):
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        match = re.match(r"([A-Za-z0-9_.\-]+)(?:\[[^]]*\])?==([^\s;\\]+)", line.strip())
        if match:
            pins[match[1].lower().replace("_", "-")] = match[2]
    assert pins.get(package.lower()) == pdf_internals.PINNED[package], (
        f"requirements.txt and pdf_internals.PINNED disagree on {package}: re-check diplomas/pdf_internals.py"
    )


# --- (b) each function, for real -----------------------------------------------------------------------------------

TINY_PAGE = """
<style>@page { size: 300px 200px; margin: 0 } body { margin: 0 } .box { position: absolute; margin: 0 }</style>
<div class="box" data-slot="names" style="left: 10px; top: 20px; width: 120px; height: 30px; text-align: center">
  <span data-slot="names">Zhang Wei</span>
</div>
<p class="box" data-slot="hours" style="left: 0; top: 100px; width: 300px; height: 16px; padding: 2px;
   text-align: right">72</p>
<p>no slot</p>
"""


def _layout(html: str, **options):
    from weasyprint import HTML

    return HTML(string=html).render(**options)


def test_element_boxes_gives_each_slot_s_first_box_where_weasyprint_laid_it_out():
    (page,) = _layout(TINY_PAGE).pages
    assert list(pdf_internals.element_boxes(page, "data-slot")) == [
        pdf_internals.ElementBox("names", left=10, top=20, width=120, height=30, text_align="center"),
        # The border box: the padding is inside it.
        pdf_internals.ElementBox("hours", left=0, top=100, width=304, height=20, text_align="right"),
    ]
    assert list(pdf_internals.element_boxes(page, "data-missing")) == []


def test_compress_streams_hands_pydyf_the_bytes_it_would_have_written():
    import pydyf

    items = [b"BT", 1.5, 2.0, 3, "/F1", pydyf.Dictionary({"A": 1}), b"ET"]
    compressed = pydyf.Stream(list(items), extra={"Subtype": "/Form"}, compress=True)
    plain = pydyf.Stream([b"q", b"Q"], compress=False)
    expected, expected_plain = compressed.data, plain.data
    pdf = pydyf.PDF()
    pdf.add_object(compressed)
    pdf.add_object(plain)

    pdf_internals.compress_streams(pdf)

    assert compressed.compress is False and len(compressed.stream) == 1
    assert compressed.data == expected and b"/Filter /FlateDecode" in expected
    assert plain.data == expected_plain


def test_compress_streams_as_weasyprint_s_finisher_leaves_the_pdf_a_file_byte_for_byte_the_same():
    variant = "pdf/a-3b"
    plain = _layout(TINY_PAGE, pdf_variant=variant).write_pdf(pdf_variant=variant)
    once = _layout(TINY_PAGE, pdf_variant=variant).write_pdf(
        pdf_variant=variant, finisher=lambda document, pdf: pdf_internals.compress_streams(pdf)
    )
    assert once == plain


@pytest.mark.django_db
def test_the_diploma_s_pdf_a_file_is_the_same_with_streams_compressed_once(monkeypatch):
    import zlib

    import pydyf
    from weasyprint import HTML

    compressed = []
    real_compressobj = zlib.compressobj
    monkeypatch.setattr(pydyf.zlib, "compressobj", lambda *a, **k: compressed.append(1) or real_compressobj(*a, **k))
    html = rendering.render_diploma_html(make_diploma())
    plain = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[rendering.stylesheet()], font_config=rendering.font_config(), pdf_variant="pdf/a-3b"
    )
    by_pydyf, compressed[:] = len(compressed), []
    assert rendering.html_to_pdf(html) == plain  # byte for byte, the file identifier included
    # pydyf is left only its own object and cross-reference streams; the page's streams (content, font, profile,
    # metadata…), which it compressed twice each, are compressed once by the finisher.
    assert len(compressed) == 3 < by_pydyf - 6


@pytest.fixture
def demo_signer(settings, tmp_path):
    settings.DIPLOMA_SIGNING_KEY = tmp_path / "signing" / "key.pem"  # ECDSA P-256, which pyHanko marks as PDF 2.0
    settings.DIPLOMA_SIGNING_CERT = tmp_path / "signing" / "cert.pem"
    settings.DIPLOMA_SIGNING_DEMO = True
    signing.reset_signer_cache()
    yield signing.signer()
    signing.reset_signer_cache()


def _signed_catalog(pdf_signer_for, pdf: bytes):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name="Signature1", subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"
    )
    signed = pdf_signer_for(meta).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)).getvalue()
    return signed, PdfFileReader(io.BytesIO(signed)).root


def test_the_pdf17_signer_keeps_pdf_1_7_where_pyhanko_s_own_declares_2_0(demo_signer):
    from pyhanko.sign import signers

    pdf = _layout(TINY_PAGE, pdf_variant="pdf/a-3b").write_pdf(pdf_variant="pdf/a-3b")
    assert pdf.startswith(b"%PDF-1.7")

    signed, catalog = _signed_catalog(lambda meta: pdf_internals.pdf17_pades_signer(meta, signer=demo_signer), pdf)
    assert "/Version" not in catalog
    assert "/ESIC" in catalog["/Extensions"]
    assert signing.check_pdf(signed).valid

    # pyHanko's stock signer still raises the file to 2.0: the hook is still needed (and still called).
    _, stock = _signed_catalog(lambda meta: signers.PdfSigner(meta, signer=demo_signer), pdf)
    assert str(stock["/Version"]) == "/2.0"


def test_the_key_preloaded_signer_signs_with_its_key_object_when_pyhanko_asks_for_the_signature(
    demo_signer, monkeypatch
):
    from pyhanko.sign import signers

    signer_class = type(demo_signer)
    assert issubclass(signer_class, signers.SimpleSigner)
    asked, own_sign_raw = [], signer_class.sign_raw

    def recording(self, data, digest_algorithm):
        asked.append(digest_algorithm)
        return own_sign_raw(self, data, digest_algorithm)

    def parses_the_key_again(self, data, digest_algorithm):
        raise AssertionError("pyHanko's own sign_raw (the key parsed again) was used")

    signing.cms_template(demo_signer)  # made once per process with two signatures of its own, before counting
    monkeypatch.setattr(signer_class, "sign_raw", recording)
    monkeypatch.setattr(signers.SimpleSigner, "sign_raw", parses_the_key_again)
    signed = signing.sign_pdf(_layout(TINY_PAGE, pdf_variant="pdf/a-3b").write_pdf(pdf_variant="pdf/a-3b"))
    assert asked == ["sha256"]  # the CMS filled in from the template is signed by the preloaded key too
    assert signing.check_pdf(signed).valid


@pytest.mark.django_db
def test_loaded_relation_answers_from_what_is_loaded_without_a_query(django_assert_num_queries):
    diploma = Diploma.objects.create(enrollment=EnrollmentFactory(completed=True))  # the cohort has no agreement
    bare = Diploma.objects.get(pk=diploma.pk)
    with_student = Diploma.objects.select_related("enrollment__student").get(pk=diploma.pk)
    with_all = Diploma.objects.select_related(*(f"enrollment__{path}" for path in rendering.ENROLLMENT_RELATED)).get(
        pk=diploma.pk
    )

    with django_assert_num_queries(0):
        assert pdf_internals.loaded_relation(bare, "enrollment") is None
        assert pdf_internals.loaded_relation(with_student, "enrollment") == diploma.enrollment
        assert pdf_internals.loaded_relation(with_student, "enrollment", beneath=("student",)) is not None
        assert pdf_internals.loaded_relation(with_student, "enrollment", beneath=("student", "track")) is None
        # A null foreign key on the way (no agreement, so no facilitator) needs no query: it counts as loaded.
        assert pdf_internals.loaded_relation(with_student, "enrollment", beneath=("cohort__agreement",)) is None
        loaded = pdf_internals.loaded_relation(with_all, "enrollment", beneath=rendering.ENROLLMENT_RELATED)
        assert loaded is not None and loaded.cohort.agreement is None
    # Assigning the object loads it too, as the factories and callers that built the rows do.
    built = Diploma(enrollment=with_all.enrollment)
    with django_assert_num_queries(0):
        assert pdf_internals.loaded_relation(built, "enrollment", beneath=rendering.ENROLLMENT_RELATED) is not None


# --- no other module reaches the internals ---------------------------------------------------------------------------

# Attribute names (also as getattr strings) that are other libraries' internals: only the adapter uses them.
INTERNAL_NAMES = frozenset(
    {
        "_page_box",  # WeasyPrint's Page
        "descendants",  # WeasyPrint's boxes
        "border_box_x",
        "border_box_y",
        "border_width",
        "border_height",
        "text_align_all",
        "_to_bytes",  # pydyf
        "register_extensions",  # pyHanko's PdfSigner hook
        "fields_cache",  # Django's ModelState
        "is_cached",  # Django's FieldCacheMixin, the same cache
        "get_cached_value",
    }
)
# Modules whose import is a reach into internals (pydyf is WeasyPrint's writer; the box tree is WeasyPrint's own).
INTERNAL_MODULES = ("pydyf", "weasyprint.formatting_structure", "weasyprint.layout", "weasyprint.draw")
SCANNED = ("mobility", "programs", "students", "diplomas", "bench")


def _internal_uses(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in INTERNAL_NAMES:
            yield node.lineno, node.attr
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in INTERNAL_NAMES:
            yield node.lineno, node.value
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                if any(name == module or name.startswith(module + ".") for module in INTERNAL_MODULES):
                    yield node.lineno, name


def _offenders(modules) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} {name}"
        for path, source in modules
        for line, name in _internal_uses(ast.parse(source, filename=str(path)))
    ]


def _scanned_modules():
    for folder in SCANNED:
        for path in (ROOT / folder).rglob("*.py"):
            if path in (ADAPTER, Path(__file__).resolve()) or "migrations" in path.parts:
                continue
            yield path, path.read_text()


def test_no_module_but_the_adapter_reaches_the_libraries_internals():
    offenders = _offenders(_scanned_modules())
    assert offenders == [], "use diplomas/pdf_internals.py for these: " + ", ".join(offenders)


def test_the_check_finds_each_kind_of_reach():
    sample = (
        "import pydyf\n"
        "from weasyprint.formatting_structure import boxes\n"
        "boxes = page._page_box.descendants()\n"
        "cached = diploma._state.fields_cache\n"
        "getattr(pydyf, '_to_bytes')\n"
    )
    found = _offenders([(ROOT / "diplomas" / "rendering.py", sample)])
    assert sorted(found) == [
        "diplomas/rendering.py:1 pydyf",
        "diplomas/rendering.py:2 weasyprint.formatting_structure",
        "diplomas/rendering.py:3 _page_box",
        "diplomas/rendering.py:3 descendants",
        "diplomas/rendering.py:4 fields_cache",
        "diplomas/rendering.py:5 _to_bytes",
    ]
    # The adapter itself is where they live: scanned, it is full of them.
    assert _offenders([(ADAPTER, ADAPTER.read_text())])
    assert ROOT / "diplomas" / "rendering.py" in {path for path, _ in _scanned_modules()}
