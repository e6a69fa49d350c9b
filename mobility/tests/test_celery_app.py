"""The Celery application's worker start-up: the renderer warmed up after the child has reported itself up, the first
task waiting for it, long-lived objects frozen out of the GC."""

import gc
import threading
import time

from diplomas import rendering, signing
from mobility import celery


def test_a_worker_process_starts_warm_with_its_long_lived_objects_frozen(monkeypatch):
    calls = []
    monkeypatch.setattr(rendering, "warm_up", lambda: calls.append("render"))
    monkeypatch.setattr(signing, "signer", lambda: calls.append("signer"))
    try:
        celery._prepare_worker_process()
        assert celery.wait_for_warm_up(10)
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
        assert celery.wait_for_warm_up(10)
    finally:
        gc.unfreeze()
    assert "Warming up the diploma renderer failed" in caplog.text


def test_a_slow_warm_up_does_not_delay_the_child_s_start_but_the_first_task_waits_for_it(monkeypatch):
    # Celery counts a child as started when worker_process_init's receivers return, and kills one that takes longer
    # than worker_proc_alive_timeout (4 s): the warm-up must not be part of that.
    release = threading.Event()
    monkeypatch.setattr(rendering, "warm_up", lambda: release.wait(10))
    monkeypatch.setattr(signing, "signer", lambda: None)
    try:
        started = time.monotonic()
        celery._prepare_worker_process()
        assert time.monotonic() - started < 1
        assert not celery.wait_for_warm_up(0.2)  # still warming up

        task_started = threading.Event()
        first_task = threading.Thread(target=lambda: (celery._wait_for_warm_up(), task_started.set()))
        first_task.start()
        assert not task_started.wait(0.3)  # the first task waits for the warm-up...
        release.set()
        assert task_started.wait(10)  # ...and starts as soon as it is over
        first_task.join(10)
    finally:
        release.set()
        celery.wait_for_warm_up(10)
        gc.unfreeze()


def test_the_warm_up_loads_the_shared_font_configuration_and_stylesheet(monkeypatch):
    monkeypatch.setattr(rendering, "_font_config", None)
    monkeypatch.setattr(rendering, "_stylesheet", None)
    rendering.warm_up()
    assert rendering._font_config is not None and rendering._stylesheet is not None
