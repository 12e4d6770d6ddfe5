"""Uploads: type from the bytes, size limit, refused before storing, private root, who may download."""

import hashlib
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from fazhi.audit.models import AuditEntry
from fazhi.core.roles import Role
from fazhi.services import applications as ops
from fazhi.services import citizens, uploads
from fazhi.services.models import Application, Channel, Upload
from fazhi.services.tests.factories import GOOD_FORM, applicant, citizen, service_item

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20 + b"\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 40


def ofd(root: str = '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0">') -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?>\n{root}</ofd:OFD>')
        archive.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    return buffer.getvalue()


def a_file(content: bytes, name: str = "证明.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.FAZHI_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.FAZHI_PRIVATE_MEDIA_ROOT


def files_in(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def online_application(unit, owner=None):
    return ops.submit(
        service_item(),
        applicant=applicant(),
        unit=unit,
        channel=Channel.ONLINE,
        data=GOOD_FORM,
        by=owner or citizen(),
    )


def log_in(client, who) -> None:
    session = client.session
    session[citizens.SESSION_KEY] = who.pk
    session.save()


# --- Type and size -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "label"), [(PDF, "PDF"), (PNG, "PNG"), (JPEG, "JPEG"), (ofd(), "OFD")]
)
def test_the_type_is_read_from_the_first_bytes(content, label):
    assert uploads.check(a_file(content, name="whatever.bin")).file_type.label == label


def test_a_program_named_like_a_pdf_is_refused_naming_the_file():
    with pytest.raises(uploads.UploadRefused, match=r"“证明\.pdf”不是允许的类型") as refused:
        uploads.check(a_file(EXE), field="material_7")
    assert refused.value.field == "material_7"


def test_a_zip_without_ofd_xml_is_not_an_ofd():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(uploads.UploadRefused):
        uploads.check(a_file(buffer.getvalue(), name="a.ofd"))


def test_a_zip_whose_ofd_xml_has_another_root_is_not_an_ofd():
    with pytest.raises(uploads.UploadRefused):
        uploads.check(a_file(ofd(root="<html>"), name="a.ofd"))


@given(st.binary(min_size=1, max_size=64))
def test_bytes_without_an_allowed_signature_are_always_refused(content):
    signatures = (b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"PK\x03\x04")
    if content.startswith(signatures):
        return
    with pytest.raises(uploads.UploadRefused):
        uploads.check(a_file(content))


def test_a_file_over_the_limit_is_refused_with_its_size_and_the_limit(settings):
    settings.FAZHI_UPLOAD_MAX_BYTES = len(PDF) - 1
    with pytest.raises(uploads.UploadRefused, match=r"“证明\.pdf”大小为 .*超过上限"):
        uploads.check(a_file(PDF))


def test_a_file_of_exactly_the_limit_is_accepted(settings):
    settings.FAZHI_UPLOAD_MAX_BYTES = len(PDF)
    assert uploads.check(a_file(PDF)).size == len(PDF)


def test_an_empty_file_is_refused():
    with pytest.raises(uploads.UploadRefused, match="空文件"):
        uploads.check(a_file(b""))


# --- Storing -----------------------------------------------------------------------------------


def test_a_stored_file_has_a_random_name_in_the_private_root_and_its_sha256(tree, private_root):
    application = online_application(tree["s1"])
    upload = uploads.store(application, uploads.check(a_file(PDF)), by=application.citizen)
    [path] = files_in(private_root)
    assert path.name == upload.token
    assert len(upload.token) == 48
    assert path.read_bytes() == PDF
    assert upload.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (upload.original_name, upload.content_type) == ("证明.pdf", "application/pdf")
    entry = AuditEntry.objects.get(action="services.upload")
    assert entry.actor_label == f"citizen:{application.citizen_id}"


def test_a_private_file_has_no_url(tree):
    application = online_application(tree["s1"])
    upload = uploads.store(application, uploads.check(a_file(PDF)), by=application.citizen)
    with pytest.raises(ValueError, match="no URL"):
        _ = upload.file.url


def test_a_rolled_back_transaction_leaves_no_file_behind(tree, private_root):
    application = online_application(tree["s1"])

    def store_then_fail() -> None:
        with uploads.removed_if_rolled_back(), transaction.atomic():
            uploads.store(application, uploads.check(a_file(PDF)), by=application.citizen)
            raise RuntimeError("a later step failed")

    with pytest.raises(RuntimeError):
        store_then_fail()
    assert files_in(private_root) == []
    assert Upload.objects.count() == 0


def test_a_wrong_type_on_the_apply_page_is_refused_before_anything_is_stored(
    client, tree, private_root
):
    item, owner = service_item(), citizen()
    log_in(client, owner)
    material = item.materials.get(fetched=False)
    response = client.post(
        reverse("jkb:apply", args=[item.code]),
        {
            "applicant_name": "张三",
            "applicant_id_number": applicant().id_number,
            "applicant_phone": owner.phone,
            f"handling_unit_{item.pk}": tree["s1"].pk,
            **GOOD_FORM,
            "idempotency_key": "k" * 32,
            f"material_{material.pk}": a_file(EXE, name="准迁证.pdf"),
        },
    )
    assert response.status_code == 200
    assert "“准迁证.pdf”不是允许的类型" in response.content.decode()
    assert (Application.objects.count(), Upload.objects.count()) == (0, 0)
    assert files_in(private_root) == []


def test_a_file_over_the_limit_on_the_apply_page_is_refused_before_storing(
    client, tree, private_root, settings
):
    settings.FAZHI_UPLOAD_MAX_BYTES = 10
    item, owner = service_item(), citizen()
    log_in(client, owner)
    material = item.materials.get(fetched=False)
    response = client.post(
        reverse("jkb:apply", args=[item.code]),
        {
            "applicant_name": "张三",
            "applicant_id_number": applicant().id_number,
            "applicant_phone": owner.phone,
            f"handling_unit_{item.pk}": tree["s1"].pk,
            **GOOD_FORM,
            f"material_{material.pk}": a_file(PDF),
        },
    )
    assert "超过上限" in response.content.decode()
    assert (Application.objects.count(), Upload.objects.count()) == (0, 0)
    assert files_in(private_root) == []


# --- Who may download --------------------------------------------------------------------------


@pytest.fixture
def stored(tree):
    owner = citizen()
    application = online_application(tree["s1"], owner)
    upload = uploads.store(application, uploads.check(a_file(PDF)), by=owner)
    return owner, upload


def test_the_owner_downloads_the_file_as_an_attachment_never_sniffed(client, stored):
    owner, upload = stored
    log_in(client, owner)
    response = client.get(reverse("jkb:upload", args=[upload.token]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_another_citizen_gets_404(client, stored):
    _owner, upload = stored
    log_in(client, citizen())
    assert client.get(reverse("jkb:upload", args=[upload.token])).status_code == 404


def test_an_unknown_token_and_someone_elses_token_look_the_same(client, stored):
    _owner, upload = stored
    log_in(client, citizen())
    theirs = client.get(reverse("jkb:upload", args=[upload.token]))
    unknown = client.get(reverse("jkb:upload", args=["0" * 48]))

    def page(response):  # the error page with its menu, less the per-response CSRF and the path
        text = re.sub(r"[A-Za-z0-9]{64}", "TOKEN", response.content.decode())
        return text.replace(upload.token, "PATH").replace("0" * 48, "PATH")

    assert theirs.status_code == unknown.status_code == 404
    assert page(theirs) == page(unknown)


def test_a_staff_user_on_the_citizen_url_is_not_the_owner(client, stored, make_user, tree):
    _owner, upload = stored
    client.force_login(make_user(Role.WINDOW, tree["s1"]))
    response = client.get(reverse("jkb:upload", args=[upload.token]))
    assert response.status_code == 302  # to the citizen login: a staff user is no citizen


def test_staff_outside_the_scope_get_404(client, stored, make_user, tree):
    _owner, upload = stored
    client.force_login(make_user(Role.WINDOW, tree["s2"]))
    assert client.get(reverse("services:upload", args=[upload.token])).status_code == 404
    assert not AuditEntry.objects.filter(action="pii.download").exists()


def test_staff_without_a_services_or_data_capability_get_404(client, stored, make_user, tree):
    _owner, upload = stored
    client.force_login(make_user(Role.SYSTEM_ADMIN, tree["city"]))
    assert client.get(reverse("services:upload", args=[upload.token])).status_code == 404


def test_staff_in_scope_download_and_the_download_is_audited(client, stored, make_user, tree):
    _owner, upload = stored
    clerk = make_user(Role.WINDOW, tree["s1"])
    client.force_login(clerk)
    response = client.get(reverse("services:upload", args=[upload.token]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    entry = AuditEntry.objects.get(action="pii.download")
    assert (entry.actor_label, entry.changes["token"]) == (clerk.username, upload.token)


def test_a_district_supervisor_sees_a_file_of_a_station_below(client, stored, make_user, tree):
    _owner, upload = stored
    client.force_login(make_user(Role.SUPERVISOR, tree["d1"]))
    assert client.get(reverse("services:upload", args=[upload.token])).status_code == 200


def test_a_citizen_session_cannot_use_the_staff_url(client, stored):
    owner, upload = stored
    log_in(client, owner)
    response = client.get(reverse("services:upload", args=[upload.token]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
