"""What lets the demo run like production with no server (docs/decisions/0020-demo-embedded-broker.md): SQLite that
several processes write at once, and the embedded broker, kombu's filesystem transport (one file a message in a folder
on this machine), so ``./dev demo`` runs a real Celery worker. The broker is selected by
``CELERY_BROKER_URL=filesystem://`` (development only); its folder is ``CELERY_BROKER_FOLDER``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SCHEME = "filesystem:"
EMBEDDED_BROKER_REFUSED = (
    "CELERY_BROKER_URL=filesystem:// is the demo's embedded broker (one machine, a task in progress is lost if the "
    "worker is killed): use Redis in production, or set DJANGO_DEBUG=1 for a development run."
)


def sqlite_options(options: dict[str, Any]) -> dict[str, Any]:
    """``DATABASES["default"]["OPTIONS"]`` for SQLite shared by processes (the demo's web server and worker), those
    given winning. Write-ahead logging lets readers go on while one process writes; a transaction takes the write
    lock when it begins (IMMEDIATE), so two writers queue on the busy timeout instead of one failing at once with
    "database is locked" when it tries to upgrade a read lock; a writer waits up to 30 s for the lock (a diploma's
    write transactions last milliseconds: rendering holds none)."""
    return {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        **options,
    }


def is_embedded_broker(url: str) -> bool:
    return url.startswith(SCHEME)


def embedded_broker_options(folder: Path) -> dict[str, Any]:
    """The filesystem transport's options for a broker kept in ``folder`` (its three sub-folders are made here).

    One folder for what is written and what is read: the web process, the worker, its pool children and beat all
    publish into ``queue/`` and the worker consumes from it. A message is claimed by renaming it into ``processed/``
    (kept there as a trace, since renaming within one file system is atomic, exactly one consumer gets it; moving to the
    system's temporary folder, the transport's default, may cross file systems and copy instead). ``control/`` holds the
    exchanges' bindings (the worker's remote control uses them). The worker looks for new messages every 0.3 s.
    """
    folders = {name: Path(folder) / name for name in ("queue", "processed", "control")}
    for path in folders.values():
        path.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "store_processed": True,
        "processed_folder": str(folders["processed"]),
        "control_folder": str(folders["control"]),
        "polling_interval": 0.3,
    }
