"""What the verification page says of an uploaded copy, on real signed diplomas (WeasyPrint + pyHanko): the issued
file; the issued file saved again by a reader (an incremental update with an annotation after the signature); a copy
rebuilt from scratch (pikepdf: the signature broken, the number still in the text); another diploma's file; a random
PDF. Never "not this diploma" for a copy that holds the issued one, the university's signature or the number."""

from __future__ import annotations

import datetime
import hashlib
import io
import time

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from diplomas import rendering, signing
from diplomas.models import Diploma
from diplomas.pdf_text import pdf_text
from diplomas.verification import Verdict, copy_check

from .factories import DiplomaFactory
from .test_rendering import make_diploma

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

NUMBER, OTHER_NUMBER = "STK-IAM-2026-000042", "STK-IAM-2026-000043"
# Rendering costs seconds: the files are made once for the module (with its one signing pair) and kept here.
_FILES: dict[str, bytes] = {}


@pytest.fixture(scope="module")
def module_keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("signing")
    return folder / "key.pem", folder / "cert.pem"


@pytest.fixture(autouse=True)
def keys(settings, module_keys, time_machine):
    settings.DIPLOMA_SIGNING_KEY, settings.DIPLOMA_SIGNING_CERT = module_keys
    settings.DIPLOMA_SIGNING_DEMO = True
    signing.reset_signer_cache()
    start = (int(time.time()) // 60) * 60 + 20
    time_machine.move_to(datetime.datetime.fromtimestamp(start, tz=datetime.UTC), tick=False)
    yield
    signing.reset_signer_cache()


def with_annotation(pdf: bytes) -> bytes:
    """``pdf`` saved again as a reader does after a comment: an incremental update adding a note to page 1."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    page_ref, _resources = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    note = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/Text"),
                generic.NameObject("/Rect"): generic.ArrayObject([generic.NumberObject(n) for n in (20, 20, 40, 40)]),
                generic.NameObject("/Contents"): generic.TextStringObject("Checked by the admissions office"),
            }
        )
    )
    annotations = page.get("/Annots", generic.ArrayObject())
    annotations.append(note)
    page[generic.NameObject("/Annots")] = annotations
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def rebuilt(pdf: bytes) -> bytes:
    """The file opened and written anew (not incrementally), as a converter or "print to PDF" of a viewer would."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.save(out)
    return out.getvalue()


def random_pdf() -> bytes:
    out = io.BytesIO()
    document = pikepdf.new()
    document.add_blank_page()
    document.save(out)
    return out.getvalue()


@pytest.fixture
def files():
    if not _FILES:
        diploma = make_diploma(number=NUMBER)
        diploma.number = NUMBER
        _FILES["unsigned"] = rendering.render_diploma_pdf(diploma)
        _FILES["issued"] = signing.sign_pdf(_FILES["unsigned"])
        diploma.number = OTHER_NUMBER
        _FILES["other"] = signing.sign_pdf(rendering.render_diploma_pdf(diploma))
        _FILES["resaved"] = with_annotation(_FILES["issued"])
        _FILES["rebuilt"] = rebuilt(_FILES["issued"])
        _FILES["random"] = random_pdf()
    return _FILES


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def diploma(files):
    return DiplomaFactory(status=Diploma.Status.ISSUED, number=NUMBER, sha256=_sha(files["issued"]))


@pytest.fixture
def other(files):
    return DiplomaFactory(status=Diploma.Status.ISSUED, number=OTHER_NUMBER, sha256=_sha(files["other"]))


def test_the_copies_are_what_they_claim(files):
    """The test's own files: the re-saved one keeps the signature over its first revision, the rebuilt one breaks
    it, and both still hold the number in their text."""
    assert files["resaved"].startswith(files["issued"]) and len(files["resaved"]) > len(files["issued"])
    resaved = signing.signed_revision(files["resaved"])
    assert resaved.check.intact and not resaved.check.whole_file and resaved.check.by_configured_certificate
    assert resaved.revision_sha256 == _sha(files["issued"])
    assert not signing.signed_revision(files["rebuilt"]).check.intact
    for name in ("issued", "resaved", "rebuilt"):
        with pikepdf.open(io.BytesIO(files[name])) as document:
            assert NUMBER in "".join(pdf_text(document).split()), name


@pytest.mark.parametrize(
    ("name", "verdict"),
    [
        ("issued", Verdict.FILE),
        ("resaved", Verdict.SIGNED_REVISION),
        ("other", Verdict.OTHER_SIGNED),
        ("rebuilt", Verdict.NUMBER_ONLY),
        ("random", Verdict.NONE),
    ],
)
def test_each_copy_gets_its_verdict(files, diploma, other, name, verdict):
    check = copy_check(diploma=diploma, pdf=files[name])
    assert check.verdict == verdict
    assert check.confirmed is (verdict in (Verdict.FILE, Verdict.SIGNED_REVISION))
    assert check.other_number == (OTHER_NUMBER if name == "other" else "")


def test_a_file_signed_by_another_certificate_is_not_the_universitys(files, diploma, settings, tmp_path):
    """The diploma signed with a pair that is not the configured one: a valid signature, but only its
    number counts."""
    configured = settings.DIPLOMA_SIGNING_KEY, settings.DIPLOMA_SIGNING_CERT
    settings.DIPLOMA_SIGNING_KEY, settings.DIPLOMA_SIGNING_CERT = tmp_path / "key.pem", tmp_path / "cert.pem"
    signing.reset_signer_cache()
    forged = signing.sign_pdf(files["unsigned"])
    settings.DIPLOMA_SIGNING_KEY, settings.DIPLOMA_SIGNING_CERT = configured
    signing.reset_signer_cache()
    revision = signing.signed_revision(forged)
    assert revision.check.intact and revision.check.whole_file and not revision.check.by_configured_certificate
    assert copy_check(diploma=diploma, pdf=forged).verdict == Verdict.NUMBER_ONLY


MESSAGES = {
    "en": {
        "issued": "This is the issued file, unchanged.",
        "resaved": "The issued diploma is inside this file, unchanged; the file was saved again after signing",
        "other": f"This file was signed by the university but is not this diploma. It is diploma {OTHER_NUMBER}.",
        "rebuilt": "Only the number matches: this copy cannot be confirmed",
        "random": "This file is not this diploma.",
    },
    "ru": {
        "issued": "Это выданный файл без изменений.",
        "resaved": "Выданный диплом находится в этом файле без изменений; файл был сохранён повторно после подписания",
        "other": f"Этот файл подписан университетом, но это не этот диплом. Это диплом {OTHER_NUMBER}.",
        "rebuilt": "Совпадает только номер: эту копию нельзя подтвердить",
        "random": "Этот файл не является этим дипломом.",
    },
    "zh-hans": {
        "issued": "这是颁发的原始文件，未经改动。",
        "resaved": "此文件中包含未经改动的所颁发证书；该文件在签名后被再次保存",
        "other": f"此文件由大学签名，但不是本证书。 它是证书 {OTHER_NUMBER}。",
        "rebuilt": "仅编号相符：无法确认此副本",
        "random": "此文件不是本证书。",
    },
}


@pytest.mark.parametrize("language", ["en", "ru", "zh-hans"])
def test_the_page_says_what_matched(client, files, diploma, other, language):
    for name, message in MESSAGES[language].items():
        upload = SimpleUploadedFile("copy.pdf", files[name], "application/pdf")
        response = client.post(f"/verify/{diploma.verification_code}/", {"pdf": upload}, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        html = " ".join(response.content.decode().split())
        assert html.count('data-check="pdf"') == 1
        assert message in html, (name, language)
        assert "NOT the issued diploma" not in html
        confirmed = name in ("issued", "resaved")
        assert f'data-match="{"true" if confirmed else "false"}"' in html


def test_the_page_explains_how_to_check_the_signature(client, diploma):
    html = client.get(f"/verify/{diploma.verification_code}/").content.decode()
    assert "Signed and all signatures are valid" in html
    assert signing.configured_subject() and signing.configured_subject() in html.replace("&quot;", '"')
    assert 'href="/verify/"' in html
