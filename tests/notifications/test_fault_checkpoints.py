"""config/faults.py: inert unless its directory is set; when set, holds the first arrival."""

import os
import threading
import time

from config.faults import checkpoint


def test_checkpoint_does_nothing_without_its_setting(settings, tmp_path):
    settings.PORTAL_FAULT_CHECKPOINT_DIR = ""
    (tmp_path / "render.hold").touch()
    started = time.monotonic()
    checkpoint("render")
    assert time.monotonic() - started < 1
    assert not (tmp_path / "render.reached").exists()


def test_production_settings_leave_it_unset():
    from config.settings import base

    assert base.PORTAL_FAULT_CHECKPOINT_DIR == ""


def test_checkpoint_holds_the_first_arrival_until_released(settings, tmp_path):
    settings.PORTAL_FAULT_CHECKPOINT_DIR = str(tmp_path)
    checkpoint("send")  # no hold file: passes through
    assert not (tmp_path / "send.reached").exists()

    hold = tmp_path / "send.hold"
    hold.touch()
    held = threading.Thread(target=checkpoint, args=("send",))
    held.start()
    reached = tmp_path / "send.reached"
    deadline = time.monotonic() + 10
    while not (reached.exists() and reached.read_text()):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert reached.read_text() == str(os.getpid())
    time.sleep(0.2)
    assert held.is_alive()  # waiting at the step

    checkpoint("send")  # a later arrival passes through while the first one waits
    hold.unlink()
    held.join(5)
    assert not held.is_alive()
