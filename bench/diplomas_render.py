"""Diploma rendering benchmark: the cost of each step of one diploma, with the process's one FontConfiguration.

    DJANGO_DEBUG=1 .venv/bin/python bench/diplomas_render.py [-n 50]

Works in a throwaway SQLite database and a throwaway demo signing pair (created in a temporary folder, removed at the
end). The diplomas are N completed enrollments of one cohort, with trilingual names; they are numbered in memory and
never saved. For each one it times, on the same HTML (``render_diploma_html``):
  (a) bare WeasyPrint (``write_pdf`` with the shared font configuration and the process's parsed stylesheet, i.e.
      the same page, no PDF/A: ``html_to_pdf(html, pdf_variant=None)``),
  (b) WeasyPrint with ``pdf_variant=settings.DIPLOMA_PDF_VARIANT`` (what ``render_diploma_pdf`` does),
  (c) (b) + ``sign_pdf`` (PAdES),
and prints the medians, the ratio of the full path (template + PDF/A + signature) to (a), and the peak RSS.
Storage and the Celery round trip are the workflow's part (bench/diplomas.py).
"""

from __future__ import annotations

import argparse
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


def seed(count: int) -> list:
    """N completed enrollments of one cohort (``diplomaseed``) and their (unsaved) diplomas, numbered and dated."""
    from diplomaseed import seed_cohort
    from django.utils import timezone

    from diplomas.models import Diploma

    _cohort, enrollments = seed_cohort(count)
    issued_at = timezone.now()
    return [
        Diploma(enrollment_id=enrollment.pk, number=f"STK-IAM-2026-{n + 1:06d}", issued_at=issued_at)
        for n, enrollment in enumerate(enrollments)
    ]


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

        from diplomas import rendering, signing

        diplomas = seed(args.count)
        # Warm up: the font configuration, fontconfig's caches and the signer are per process, made once.
        signing.sign_pdf(rendering.render_diploma_pdf(diplomas[0]))

        timings: dict[str, list[float]] = {"html": [], "bare": [], "pdfa": [], "sign": []}
        sizes = []
        clock = time.perf_counter
        for diploma in diplomas:
            start = clock()
            html = rendering.render_diploma_html(diploma)
            timings["html"].append(clock() - start)

            start = clock()
            rendering.html_to_pdf(html, pdf_variant=None)
            timings["bare"].append(clock() - start)

            start = clock()
            pdf = rendering.html_to_pdf(html)
            timings["pdfa"].append(clock() - start)

            start = clock()
            signed = signing.sign_pdf(pdf)
            timings["sign"].append(clock() - start)
            sizes.append(len(signed))
        assert signing.verify_pdf(signed)

        html_ms, bare_ms = median_ms(timings["html"]), median_ms(timings["bare"])
        pdfa_ms, sign_ms = median_ms(timings["pdfa"]), median_ms(timings["sign"])
        signed_ms = median_ms([p + s for p, s in zip(timings["pdfa"], timings["sign"], strict=True)])
        full_ms = median_ms(
            [h + p + s for h, p, s in zip(timings["html"], timings["pdfa"], timings["sign"], strict=True)]
        )
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{args.count} diplomas, {settings.DIPLOMA_PDF_VARIANT}, median ms per diploma:")
        print(f"  template (render_diploma_html)       {html_ms:7.1f}")
        print(f"  (a) bare WeasyPrint                  {bare_ms:7.1f}")
        print(f"  (b) WeasyPrint + PDF/A               {pdfa_ms:7.1f}   ({pdfa_ms - bare_ms:+.1f} over bare)")
        print(f"      signature alone                  {sign_ms:7.1f}")
        print(f"  (c) PDF/A + signature                {signed_ms:7.1f}   {signed_ms / bare_ms:.2f} x bare")
        print(
            f"  full path (template + PDF/A + sign)  {full_ms:7.1f}   {full_ms / bare_ms:.2f} x bare (target <= 1.30)"
        )
        print(f"  diplomas per second, one process     {1000 / full_ms:7.1f}")
        print(f"  signed PDF size, median              {statistics.median(sizes) / 1024:7.1f} KB")
        print(f"  peak RSS                             {peak_mb:7.1f} MB")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
