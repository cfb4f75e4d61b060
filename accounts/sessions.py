"""The session store: Django's database sessions, with a size cap for anonymous visitors.

A visitor who is not signed in can make the portal write a session row (sign-up, password
reset, a professional's signed link, messages that do not fit in the messages cookie). So
that no anonymous request can make the portal store large data, an anonymous session is
saved only while its encoded data stays under settings.SESSION_ANONYMOUS_MAX_BYTES; above
it, its data is dropped (the visitor keeps an empty session) and a warning is logged. A
signed-in session is not capped (its writers are the portal's own code). Expired rows are
removed by the ``clearsessions`` task (accounts.tasks, scheduled in CELERY_BEAT_SCHEDULE).

The cap sits in ``create_model_instance``, the documented hook of the database session
engine that turns the data being saved into the row to write.
"""

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession

logger = logging.getLogger(__name__)


class SessionStore(db.SessionStore):
    def create_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        if SESSION_KEY not in data and data:
            size = len(self.encode(data))
            if size > settings.SESSION_ANONYMOUS_MAX_BYTES:
                logger.warning("Anonymous session of %d bytes not stored: data dropped", size)
                self.clear()
                data = {}
        return super().create_model_instance(data)
