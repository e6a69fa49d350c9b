"""Django set-up shared by the benchmarks: a throwaway SQLite database unless told to use the configured one."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(use_configured: bool, *, prefix: str) -> Path | None:
    """Set up Django and migrate. Returns the throwaway folder (database and media), or None for the configured
    database (``DATABASE_URL``), which the benchmark then writes into."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mobility.settings")
    folder = None
    if use_configured:
        print(f"WARNING: writing into the configured database ({os.environ.get('DATABASE_URL', 'the SQLite default')})")
    else:
        folder = Path(tempfile.mkdtemp(prefix=prefix))
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
        os.environ["MEDIA_ROOT"] = str(folder / "media")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return folder
