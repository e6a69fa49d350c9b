"""Diploma rendering benchmark: the cost of each step of one diploma, with the process's one FontConfiguration.

    DJANGO_DEBUG=1 .venv/bin/python bench/diplomas_render.py [-n 50]

Works in a throwaway SQLite database and a throwaway demo signing pair (created in a temporary folder, removed at the
end). The diplomas are N completed enrollments of one cohort, with trilingual names; they are numbered in memory and
never saved. For each one it times:
  (a) bare WeasyPrint on the whole page's HTML (``render_diploma_html``): ``html_to_pdf(html, pdf_variant=None)``, with
      the shared font configuration and the process's parsed stylesheet, no PDF/A, no signature;
  the whole page with PDF/A and signature (what a diploma costs when it cannot be drawn in layers);
  the layered path in its parts: the static and variable templates, then the variable layer laid out and written as
      PDF/A with the cohort's static layer drawn beneath it (``StaticLayer.under``);
  (b) the full path as the task runs it: ``render_diploma_pdf`` + ``sign_pdf`` (PAdES); for the transcripts, then
      once more over the same students, when every shared slot's content has its drawing kept (decision 0030);
and prints the medians, the ratio (b) / (a), the first diploma's time (it lays out the static layer) and the peak
RSS. Storage and the Celery round trip are the workflow's part (bench/diplomas.py).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(folder: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mobility.settings")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    os.environ["DIPLOMA_SIGNING_KEY"] = str(folder / "signing" / "key.pem")
    os.environ["DIPLOMA_SIGNING_CERT"] = str(folder / "signing" / "cert.pem")
    os.environ["DIPLOMA_SIGNING_DEMO"] = "1"
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(count: int) -> tuple[list, list]:
    """N completed enrollments of one cohort (``diplomaseed``) and their (unsaved) diplomas and transcripts, numbered
    and dated, each with the design and signatories the render task records with the number."""
    from diplomaseed import seed_cohort
    from django.utils import timezone

    from diplomas.designs.selectors import for_issue
    from diplomas.models import Diploma
    from diplomas.transcripts.models import Transcript

    _cohort, enrollments = seed_cohort(count)
    issued_at = timezone.now()
    design, signatories = for_issue("diploma", issued_at)
    transcript_design, transcript_signatories = for_issue("transcript", issued_at)
    diplomas, transcripts = [], []
    for n, enrollment in enumerate(enrollments):
        number = f"{n + 1:06d}"
        diplomas.append(
            Diploma(
                enrollment_id=enrollment.pk,
                number=f"STK-IAM-2026-{number}",
                issued_at=issued_at,
                design=design,
                signatories=signatories,
            )
        )
        transcripts.append(
            Transcript(
                enrollment_id=enrollment.pk,
                number=f"STK-IAM-T-2026-{number}",
                verification_code=f"bench{number}",
                issued_at=issued_at,
                design=transcript_design,
                signatories=transcript_signatories,
            )
        )
    return diplomas, transcripts


NEEDED = frozenset({"names", "hours", "period"})  # the slots of the seeded cohort's page


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--count", type=int, default=50, help="diplomas to render (default 50)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="diploma-bench-"))
    try:
        setup_django(folder)
        from django.conf import settings

        from diplomas import layers, rendering, signing
        from diplomas.transcripts import documents as transcript_documents

        diplomas, transcripts = seed(args.count)
        clock = time.perf_counter
        # Warm up: the font configuration, fontconfig's caches and the signer are per process, made once; the first
        # diploma also lays out the cohort's static layer, timed here on its own.
        rendering.warm_up()
        signing.sign_pdf(rendering.html_to_pdf(rendering.render_diploma_html(diplomas[0])))
        start = clock()
        signing.sign_pdf(rendering.render_diploma_pdf(diplomas[0]))
        first_ms = (clock() - start) * 1000
        start = clock()
        signing.sign_pdf(transcript_documents.render_transcript_pdf(transcripts[0]))
        first_transcript_ms = (clock() - start) * 1000

        timings: dict[str, list[float]] = {
            name: []
            for name in (
                *("html", "bare", "page", "layer_html", "layers", "full", "sign"),
                *("t_html", "t_bare", "t_page", "t_full", "t_kept", "student"),
            )
        }
        sizes, transcript_sizes = [], []
        for diploma, transcript in zip(diplomas, transcripts, strict=True):
            start = clock()
            html = rendering.render_diploma_html(diploma)
            timings["html"].append(clock() - start)

            start = clock()
            rendering.html_to_pdf(html, pdf_variant=None)
            timings["bare"].append(clock() - start)

            start = clock()
            signing.sign_pdf(rendering.html_to_pdf(html))
            timings["page"].append(clock() - start)

            # The layered path's two parts, then the whole of it as the task calls it.
            start = clock()
            static_html = rendering.render_diploma_html(diploma, layer="static")
            layer = layers.static_layer(rendering.choose_template(diploma), static_html, NEEDED, rendering.engine())
            variable_html = rendering.render_diploma_html(diploma, layer="variable", slots=layer.slots)
            timings["layer_html"].append(clock() - start)
            start = clock()
            layer.under(variable_html)
            timings["layers"].append(clock() - start)

            start = clock()
            pdf = rendering.render_diploma_pdf(diploma)
            rendered = clock()
            signed = signing.sign_pdf(pdf)
            timings["full"].append(clock() - start)
            timings["sign"].append(clock() - rendered)
            sizes.append(len(signed))

            # The transcript: its whole pages (the floor), then its layers as the task renders it.
            start = clock()
            transcript_html = transcript_documents.render_transcript_html(transcript)
            timings["t_html"].append(clock() - start)
            start = clock()
            rendering.html_to_pdf(transcript_html, pdf_variant=None, stylesheet_name=transcript_documents.STYLESHEET)
            timings["t_bare"].append(clock() - start)
            start = clock()
            signing.sign_pdf(rendering.html_to_pdf(transcript_html, stylesheet_name=transcript_documents.STYLESHEET))
            timings["t_page"].append(clock() - start)
            start = clock()
            signed_transcript = signing.sign_pdf(transcript_documents.render_transcript_pdf(transcript))
            timings["t_full"].append(clock() - start)
            transcript_sizes.append(len(signed_transcript))
            timings["student"].append(timings["full"][-1] + timings["t_full"][-1])
        # The same transcripts again: every shared slot's content has its drawing kept (decision 0030), as for most
        # students of a cohort of thousands, where each grade with its score and each date recur.
        for transcript in transcripts:
            start = clock()
            signing.sign_pdf(transcript_documents.render_transcript_pdf(transcript))
            timings["t_kept"].append(clock() - start)
        assert signing.verify_pdf(signed) and signing.verify_pdf(signed_transcript)

        ms = {name: median_ms(values) for name, values in timings.items()}
        bare_ms, full_ms = ms["bare"], ms["full"]
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{args.count} diplomas of one cohort, {settings.DIPLOMA_PDF_VARIANT}, median ms per diploma:")
        print(f"  template, whole page (render_diploma_html)       {ms['html']:7.1f}")
        print(f"  (a) bare WeasyPrint, whole page                  {bare_ms:7.1f}")
        page_ms = ms["page"]
        print(f"  whole page + PDF/A + signature (the fallback)    {page_ms:7.1f}   {page_ms / bare_ms:.2f} x bare")
        print(f"  layers: templates (static + variable)            {ms['layer_html']:7.1f}")
        print(f"  layers: variable laid out + PDF/A + static under {ms['layers']:7.1f}")
        print(f"  signature alone                                  {ms['sign']:7.1f}")
        print(
            f"  (b) full path (render_diploma_pdf + signature)   {full_ms:7.1f}   {full_ms / bare_ms:.2f} x bare"
            " (target <= 1.30)"
        )
        print(f"  first diploma of the cohort (static layer laid out) {first_ms:5.1f}")
        print(f"  diplomas per second, one process                 {1000 / full_ms:7.1f}")
        print(f"  signed PDF size, median                          {statistics.median(sizes) / 1024:7.1f} KB")
        t_bare_ms, t_full_ms = ms["t_bare"], ms["t_full"]
        import pikepdf

        with pikepdf.open(io.BytesIO(signed_transcript)) as document:
            transcript_pages = len(document.pages)
        modules = transcripts[0].enrollment.results.count()
        print(f"{args.count} transcripts ({modules} modules, {transcript_pages} pages), median ms per transcript:")
        print(f"  template, whole document (render_transcript_html) {ms['t_html']:6.1f}")
        print(f"  (a) bare WeasyPrint, whole document              {t_bare_ms:7.1f}")
        t_page_ms = ms["t_page"]
        print(
            f"  whole document + PDF/A + signature (the fallback) {t_page_ms:6.1f}   {t_page_ms / t_bare_ms:.2f} x bare"
        )
        print(
            f"  (b) full path (render_transcript_pdf + signature) {t_full_ms:6.1f}   {t_full_ms / t_bare_ms:.2f} x bare"
        )
        t_kept_ms = ms["t_kept"]
        kept_ratio = t_kept_ms / t_bare_ms
        print(f"  (b) again, every shared slot's drawing kept        {t_kept_ms:7.1f}   {kept_ratio:.2f} x bare")
        print(f"  first transcript of the cohort (static pages laid out) {first_transcript_ms:5.1f}")
        transcript_kb = statistics.median(transcript_sizes) / 1024
        print(f"  signed PDF size, median                          {transcript_kb:7.1f} KB")
        student_ms, floor_ms = ms["student"], bare_ms + t_bare_ms
        print("per student (diploma + transcript; the credential is signed in the task path, bench/diplomas.py):")
        print(f"  floor: bare diploma + bare transcript            {floor_ms:7.1f}")
        ratio = student_ms / floor_ms
        print(f"  full path, both documents signed                 {student_ms:7.1f}   {ratio:.2f} x floor")
        print(f"  students per second, one process                 {1000 / student_ms:7.1f}")
        print(f"  peak RSS                                         {peak_mb:7.1f} MB")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
