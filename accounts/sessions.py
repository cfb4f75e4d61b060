"""The session store: Django's database sessions, with a size cap for anonymous visitors.

A visitor who is not signed in can make the portal write a session row (sign-up, password
reset, a professional's signed link, messages that do not fit in the messages cookie). So
that no anonymous request can make the portal store large data, an anonymous session is
saved only while its encoded data stays under settings.SESSION_ANONYMOUS_MAX_BYTES; above
it, its data is dropped (the visitor keeps an empty session) and a warning is logged. A
signed-in session is not capped (its writers are the portal's own code). Expired rows are
removed by the ``clearsessions`` task (accounts.tasks, scheduled in CELERY_BEAT_SCHEDULE).
"""

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db

logger = logging.getLogger(__name__)


class SessionStore(db.SessionStore):
    def save(self, must_create: bool = False) -> None:
        data = self._get_session(no_load=must_create)  # type: ignore[attr-defined]  # SessionBase's, absent from django-stubs
        if SESSION_KEY not in data and data:
            size = len(self.encode(data))
            if size > settings.SESSION_ANONYMOUS_MAX_BYTES:
                logger.warning("Anonymous session of %d bytes not stored: data dropped", size)
                self._session_cache: dict[str, Any] = {}
        super().save(must_create=must_create)
