"""A stored document as a download (derogations.downloads.document_response)."""

from django.http import FileResponse

from derogations.downloads import document_response
from derogations.models import Attachment

from .models import StoredDocument


def download(document: StoredDocument | Attachment) -> FileResponse:
    return document_response(document.file, document.original_name, document.content_type)
