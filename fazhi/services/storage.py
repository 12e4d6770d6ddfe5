"""Where uploaded materials live: a private root outside MEDIA_URL and the static files.

Nothing under FAZHI_PRIVATE_MEDIA_ROOT has a URL; a file leaves the server only through a view that
checks who asks (fazhi/services/uploads.py). Kept apart from uploads.py so that models.py can name the
storage without importing the module that imports the models.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible(path="fazhi.services.storage.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    """A file system storage rooted at FAZHI_PRIVATE_MEDIA_ROOT (read when used), without URLs."""

    def __init__(self) -> None:
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @property
    def base_location(self) -> str:
        return str(settings.FAZHI_PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("a private upload has no URL: serve it through fazhi.services.uploads")


_storage = PrivateStorage()


def private_storage() -> PrivateStorage:
    """The storage of Upload.file (a callable, so migrations name it instead of a path)."""
    return _storage
