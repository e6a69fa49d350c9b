"""The Celery application's worker start-up: the renderer warmed up, long-lived objects frozen out of the GC."""

import gc

from diplomas import rendering, signing
from mobility import celery


def test_a_worker_process_starts_warm_with_its_long_lived_objects_frozen(monkeypatch):
    calls = []
    monkeypatch.setattr(rendering, "warm_up", lambda: calls.append("render"))
    monkeypatch.setattr(signing, "signer", lambda: calls.append("signer"))
    try:
        celery._prepare_worker_process()
        assert calls == ["render", "signer"]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_worker_that_cannot_warm_up_still_starts(monkeypatch, caplog):
    def broken():
        raise RuntimeError("no fonts")

    monkeypatch.setattr(rendering, "warm_up", broken)
    try:
        celery._prepare_worker_process()
    finally:
        gc.unfreeze()
    assert "Warming up the diploma renderer failed" in caplog.text


def test_the_warm_up_loads_the_shared_font_configuration_and_stylesheet(monkeypatch):
    monkeypatch.setattr(rendering, "_font_config", None)
    monkeypatch.setattr(rendering, "_stylesheet", None)
    rendering.warm_up()
    assert rendering._font_config is not None and rendering._stylesheet is not None
