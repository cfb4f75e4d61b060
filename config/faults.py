"""Fault-injection checkpoints for the crash tests (tests/integration/test_worker_crashes.py).

Inert in production: ``checkpoint()`` returns at once unless the setting
PORTAL_FAULT_CHECKPOINT_DIR is set, and only config.settings.test_worker sets it (from the
environment variable of the same name, which the crash tests give their worker).

When it is set, a task that reaches ``checkpoint("<step>")`` while ``<dir>/<step>.hold``
exists, and is the first to get there, creates ``<dir>/<step>.reached`` holding its pid,
then waits as long as the hold file exists: the test kills the process right there.
Anything reaching the step later passes through.
"""

import os
import time
from pathlib import Path

from django.conf import settings

# The named steps of a letter, in order: see notifications.tasks and derogations.documents.
STEPS = ("render", "store", "send", "record")


def checkpoint(step: str) -> None:
    directory = settings.PORTAL_FAULT_CHECKPOINT_DIR
    if not directory:
        return
    hold = Path(directory) / f"{step}.hold"
    if not hold.exists():
        return
    try:
        fd = os.open(Path(directory) / f"{step}.reached", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return  # the test holds only the first task to get here
    with os.fdopen(fd, "w") as handle:
        handle.write(str(os.getpid()))
    while hold.exists():
        time.sleep(0.05)
