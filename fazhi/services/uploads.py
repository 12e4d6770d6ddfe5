"""Uploaded materials of applications: checked before storing, kept private, served after a check.

- The type is read from the file's first bytes (magic numbers), never from its name or the browser's
  content type: PDF, JPEG, PNG, and OFD (GB/T 33190, the national e-document format: a ZIP whose root
  holds OFD.xml with an ``OFD`` root element). Anything else is refused.
- A file over settings.FAZHI_UPLOAD_MAX_BYTES is refused. Refusals happen in ``check`` before
  anything is written, and name the file and the reason.
- ``store`` writes under settings.FAZHI_PRIVATE_MEDIA_ROOT (fazhi/services/storage.py, no URL) with a
  random token as the name, records the SHA-256, and audits the upload.
- ``for_citizen`` / ``for_staff`` find an upload only for the owning citizen or a staff user whose
  scope covers the application (Application.objects.visible_to); for anyone else the file does not
  exist (404, not 403). Staff downloads of these personal files are audited (``pii.download``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from fazhi.audit import log as audit
from fazhi.core.errors import FazhiError
from fazhi.services.applications import audit_actor
from fazhi.services.models import Application, Citizen, Material, Upload

CHUNK = 64 * 1024
OFD_ROOT = re.compile(
    rb"^\s*(<\?xml[^>]*\?>\s*)?(<!--.*?-->\s*)*<([A-Za-z_][\w.-]*:)?OFD[\s>/]", re.S
)
OFD_XML_MAX = 1024 * 1024


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    label: str


PDF = FileType("application/pdf", "pdf", "PDF")
JPEG = FileType("image/jpeg", "jpg", "JPEG")
PNG = FileType("image/png", "png", "PNG")
OFD = FileType("application/ofd", "ofd", "OFD")
ALLOWED = (PDF, JPEG, PNG, OFD)


class UploadRefused(FazhiError):
    """A file was refused before storing; ``field`` names the form field it came from."""

    code = "upload_refused"


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks, with what was learnt reading it."""

    file: UploadedFile[bytes]
    file_type: FileType
    size: int
    sha256: str

    @property
    def original_name(self) -> str:
        return (self.file.name or "").rsplit("/", 1)[-1][:200]


def _is_ofd(file: UploadedFile[bytes]) -> bool:
    """A ZIP container whose root holds OFD.xml with an OFD root element (GB/T 33190-2016)."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            info = archive.getinfo("OFD.xml")
            if info.file_size > OFD_XML_MAX:
                return False
            with archive.open(info) as entry:
                head = entry.read(4096)
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        return False
    return bool(OFD_ROOT.match(head))


def detect(file: UploadedFile[bytes]) -> FileType | None:
    """Return the type of FILE read from its first bytes, or None if it is not an allowed type."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04") and _is_ofd(file):
        file.seek(0)
        return OFD
    return None


def allowed_labels() -> str:
    return "、".join(kind.label for kind in ALLOWED)


def check(file: UploadedFile[bytes], *, field: str = "file") -> CheckedFile:
    """Return FILE checked for size and type, or raise UploadRefused naming the file and why.

    Nothing is written anywhere: the caller stores only what every check let through.
    """
    name = (file.name or "").rsplit("/", 1)[-1]
    limit = settings.FAZHI_UPLOAD_MAX_BYTES
    if file.size is None or file.size > limit:
        raise UploadRefused(
            _("文件“%(name)s”大小为 %(size)s，超过上限 %(limit)s。")
            % {
                "name": name,
                "size": filesizeformat(file.size or 0),
                "limit": filesizeformat(limit),
            },
            field=field,
        )
    if file.size == 0:
        raise UploadRefused(_("文件“%(name)s”是空文件。") % {"name": name}, field=field)
    file_type = detect(file)
    if file_type is None:
        raise UploadRefused(
            _("文件“%(name)s”不是允许的类型（%(types)s），按文件内容判断，与文件名无关。")
            % {"name": name, "types": allowed_labels()},
            field=field,
        )
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks(CHUNK):
        digest.update(chunk)
    file.seek(0)
    return CheckedFile(file=file, file_type=file_type, size=file.size, sha256=digest.hexdigest())


def _stored_name(upload: Upload) -> str:
    """The storage name of UPLOAD's file; a stored upload always has one."""
    name = upload.file.name
    if not name:  # what Storage.delete and Storage.open refuse too
        raise ValueError(f"upload {upload.token} has no stored file")
    return name


def new_token() -> str:
    return secrets.token_hex(24)  # 48 hex characters, 192 random bits


@transaction.atomic
def store(
    application: Application,
    checked: CheckedFile,
    *,
    by: Any,
    material: Material | None = None,
) -> Upload:
    """Write a checked file under a random token in the private root; record and audit it.

    If the database write fails the file is removed again, so no file exists without its row.
    """
    upload = Upload(
        application=application,
        material=material,
        token=new_token(),
        original_name=checked.original_name,
        content_type=checked.file_type.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )
    checked.file.seek(0)
    upload.file.save(upload.token, checked.file, save=False)
    try:
        with transaction.atomic():
            upload.save()
            audit.record(
                audit_actor(by),
                "services.upload",
                application,
                changes={
                    "token": upload.token,
                    "material": material.name if material else "",
                    "type": checked.file_type.label,
                    "size": checked.size,
                    "sha256": checked.sha256,
                },
            )
    except Exception:
        upload.file.storage.delete(_stored_name(upload))
        raise
    written = _WRITTEN.get()
    if written is not None:
        written.append((upload.file.storage, _stored_name(upload)))
    return upload


_WRITTEN: ContextVar[list[tuple[Any, str]] | None] = ContextVar("jkb_written", default=None)


@contextmanager
def removed_if_rolled_back() -> Iterator[None]:
    """Delete the files ``store`` wrote inside the block if the block fails.

    Wrap the transaction with it (``with removed_if_rolled_back(), transaction.atomic():``): the
    database rolls back first, then the files go, so no file outlives its rolled-back row.
    """
    written: list[tuple[Any, str]] = []
    token = _WRITTEN.set(written)
    try:
        yield
    except BaseException:
        for storage, name in written:
            storage.delete(name)
        raise
    finally:
        _WRITTEN.reset(token)


def for_citizen(citizen: Citizen | None, token: str) -> Upload:
    """The upload TOKEN if it belongs to CITIZEN's own application; else Http404."""
    if citizen is None:
        raise Http404("no such upload")
    upload = (
        Upload.objects.select_related("application")
        .filter(token=token, application__citizen=citizen)
        .first()
    )
    if upload is None:
        raise Http404("no such upload")
    return upload


def for_staff(user: Any, token: str) -> Upload:
    """The upload TOKEN if USER's scope covers its application; else Http404 (existence hidden)."""
    upload = (
        Upload.objects.select_related("application")
        .filter(token=token, application__in=Application.objects.visible_to(user))
        .first()
    )
    if upload is None:
        raise Http404("no such upload")
    return upload


def record_staff_download(user: Any, upload: Upload, *, ip_address: str | None = None) -> None:
    """Audit that a staff user opened an applicant's personal file (个人信息访问留痕)."""
    audit.record(
        user,
        "pii.download",
        upload.application,
        changes={"token": upload.token, "file": upload.original_name, "sha256": upload.sha256},
        ip_address=ip_address,
    )


def response(upload: Upload) -> FileResponse:
    """The file as an attachment, typed by what was detected at upload, never sniffed."""
    handle = upload.file.storage.open(_stored_name(upload), "rb")
    extension = next(
        (kind.extension for kind in ALLOWED if kind.content_type == upload.content_type), "bin"
    )
    reply = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{upload.application.receipt}-{upload.pk}.{extension}",
        content_type=upload.content_type,
    )
    reply["X-Content-Type-Options"] = "nosniff"
    reply["Cache-Control"] = "private, no-store"
    return reply


def check_many(
    files: Iterable[tuple[str, UploadedFile[bytes]]],
) -> tuple[dict[str, CheckedFile], dict[str, list[str]]]:
    """Check every (field, file); return the good ones and {field: [message]} for the refused."""
    good: dict[str, CheckedFile] = {}
    errors: dict[str, list[str]] = {}
    for field, file in files:
        try:
            good[field] = check(file, field=field)
        except UploadRefused as refused:
            errors.setdefault(field, []).append(str(refused))
    return good, errors


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None
