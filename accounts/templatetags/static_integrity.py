"""Subresource Integrity of our own static files, computed from the files we serve.

django-dsfr writes the integrity hashes of the files as it ships them. In production the
manifest storage (whitenoise's CompressedManifestStaticFilesStorage) rewrites the ``url()``s
inside the collected stylesheets, so the served bytes differ from the shipped ones and a
browser refused DSFR's stylesheets (issue 14). The hash is therefore taken from the file the
portal really serves: the collected, hashed file when the storage keeps a manifest, the
file the static finders serve otherwise (development and tests). Collected files never
change while a process runs, so each hash is computed once per process.
"""

import base64
import functools
import hashlib

from django import template
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage

register = template.Library()


@register.simple_tag
def static_integrity(path: str) -> str:
    """``sha384-…`` of the static file served for ``path``."""
    return _integrity(path)


@functools.cache
def _integrity(path: str) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(_served_bytes(path)).digest()).decode()


def _served_bytes(path: str) -> bytes:
    if isinstance(staticfiles_storage, ManifestFilesMixin):
        with staticfiles_storage.open(staticfiles_storage.stored_name(path)) as served:
            return served.read()
    found = finders.find(path)
    if not found:
        raise ValueError(f"static file not found: {path}")
    with open(found, "rb") as served:
        return served.read()
