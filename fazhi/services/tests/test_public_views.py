"""The public site (/jkb/): applying online with every error at once, idempotency, my applications,
补正 and withdrawal by the citizen, bundles, and public tracking."""

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fazhi.services import applications as ops
from fazhi.services import citizens
from fazhi.services.models import (
    Application,
    ApplicationStatus,
    Bundle,
    BundleApplication,
    BundleItem,
    Channel,
    HandlingMode,
    Material,
    Upload,
)
from fazhi.services.tests.factories import (
    GOOD_FORM,
    applicant,
    citizen,
    id_number,
    service_item,
    window_clerk,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.FAZHI_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    cache.clear()  # the tracking rate limit counts in the cache


def log_in(client, who) -> None:
    session = client.session
    session[citizens.SESSION_KEY] = who.pk
    session.save()


def pdf(name="准予迁入证明.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def good_post(item, unit, owner, key="key-0123456789abcdef", **extra):
    material = item.materials.get(fetched=False)
    return {
        "applicant_name": "张三",
        "applicant_id_number": id_number(),
        "applicant_phone": owner.phone,
        f"handling_unit_{item.pk}": unit.pk,
        **GOOD_FORM,
        "idempotency_key": key,
        f"material_{material.pk}": pdf(),
        **extra,
    }


@pytest.fixture
def item():
    return service_item()


@pytest.fixture
def owner(client):
    who = citizen()
    log_in(client, who)
    return who


# --- Home and login ------------------------------------------------------------------------------


def test_the_home_page_links_the_guide_login_my_applications_and_tracking(client):
    body = client.get(reverse("jkb:home")).content.decode()
    for url in (reverse("jkb:login"), reverse("jkb:mine"), reverse("jkb:track"), "/jkb/guide/"):
        assert f'href="{url}"' in body


def test_applying_without_a_citizen_login_goes_to_the_code_login(client, item):
    response = client.get(reverse("jkb:apply", args=[item.code]))
    assert response.status_code == 302
    assert response["Location"] == (f"{reverse('jkb:login')}?next=%2Fjkb%2Fapply%2F{item.code}%2F")


# --- The application form ------------------------------------------------------------------------


def test_the_form_has_the_items_fields_a_key_the_phone_and_the_items_units(
    client, owner, item, tree
):
    body = client.get(reverse("jkb:apply", args=[item.code])).content.decode()
    for key in ("reason", "move_date", "household", "applicant_name", "applicant_id_number"):
        assert f'name="{key}"' in body
    assert f'value="{owner.phone}"' in body
    assert re.search(r'name="idempotency_key" value="[A-Za-z0-9_-]{32}"', body)
    # the item is handled at stations: both stations, no district bureau or township
    assert "甲区一派出所" in body
    assert "乙区一派出所" in body
    assert "甲区分局</option>" not in body
    assert "乙区某镇" not in body
    # one upload for the material the applicant brings; none for the one the system fetches
    material = item.materials.get(fetched=False)
    assert f'name="material_{material.pk}"' in body
    assert body.count('type="file"') == 1


def test_every_error_of_the_page_is_shown_at_once_with_the_inputs_kept(client, owner, item):
    response = client.post(
        reverse("jkb:apply", args=[item.code]),
        {
            "applicant_name": "",
            "applicant_id_number": "500103199003070010",  # wrong check digit
            "applicant_phone": "2345",
            "reason": "投靠亲属",
            "move_date": "2026-02-30",
            "household": "别墅户",
            "idempotency_key": "key-0123456789abcdef",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    failed = set(re.findall(r'data-field="([^"]+)"', body))
    material = item.materials.get(fetched=False)
    assert failed == {
        "applicant_name",
        "applicant_id_number",
        "applicant_phone",
        f"handling_unit_{item.pk}",
        "move_date",
        "household",
        f"material_{material.pk}",
    }
    assert 'value="投靠亲属"' in body
    assert 'value="2345"' in body
    assert 'value="key-0123456789abcdef"' in body  # the same key, for the corrected submit
    assert Application.objects.count() == 0


def test_a_good_application_is_submitted_with_its_material_and_shows_the_receipt(
    client, owner, item, tree
):
    response = client.post(
        reverse("jkb:apply", args=[item.code]), good_post(item, tree["s1"], owner)
    )
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("jkb:receipt", args=[application.receipt])
    assert (application.citizen, application.unit, application.channel) == (
        owner,
        tree["s1"],
        Channel.ONLINE,
    )
    assert application.form_data == GOOD_FORM
    upload = Upload.objects.get()
    assert (upload.application, upload.material.name) == (application, "准予迁入证明")
    page = client.get(response["Location"]).content.decode()
    assert f'data-testid="receipt">{application.receipt}<' in page


def test_two_quick_posts_with_the_same_key_make_one_application(client, owner, item, tree):
    first = client.post(reverse("jkb:apply", args=[item.code]), good_post(item, tree["s1"], owner))
    second = client.post(reverse("jkb:apply", args=[item.code]), good_post(item, tree["s1"], owner))
    assert Application.objects.count() == 1
    assert Upload.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_two_posts_with_different_keys_make_two_applications(client, owner, item, tree):
    for key in ("key-aaaaaaaaaaaaaaaa", "key-bbbbbbbbbbbbbbbb"):
        client.post(
            reverse("jkb:apply", args=[item.code]), good_post(item, tree["s1"], owner, key=key)
        )
    assert Application.objects.count() == 2


def test_another_citizens_key_never_returns_their_application(client, item, tree):
    first, second = citizen(), citizen()
    log_in(client, first)
    client.post(reverse("jkb:apply", args=[item.code]), good_post(item, tree["s1"], first))
    log_in(client, second)
    response = client.post(
        reverse("jkb:apply", args=[item.code]), good_post(item, tree["s1"], second)
    )
    mine = Application.objects.get(citizen=second)
    assert response["Location"] == reverse("jkb:receipt", args=[mine.receipt])
    assert Application.objects.count() == 2


def test_a_window_only_item_cannot_be_applied_for_online(client, owner, tree):
    item = service_item(modes=[HandlingMode.WINDOW])
    response = client.post(
        reverse("jkb:apply", args=[item.code]), good_post(item, tree["s1"], owner)
    )
    assert 'data-testid="window-only"' in response.content.decode()
    assert Application.objects.count() == 0


def test_a_unit_outside_the_items_levels_is_refused(client, owner, item, tree):
    response = client.post(
        reverse("jkb:apply", args=[item.code]), good_post(item, tree["d1"], owner)
    )
    assert f'data-field="handling_unit_{item.pk}"' in response.content.decode()
    assert Application.objects.count() == 0


def test_the_receipt_of_another_citizen_is_404(client, item, tree):
    app = ops.submit(
        item,
        applicant=applicant(),
        unit=tree["s1"],
        channel=Channel.ONLINE,
        data=GOOD_FORM,
        by=citizen(),
    )
    log_in(client, citizen())
    assert client.get(reverse("jkb:receipt", args=[app.receipt])).status_code == 404
    assert client.get(reverse("jkb:application", args=[app.receipt])).status_code == 404


# --- Bundles -------------------------------------------------------------------------------------


@pytest.fixture
def bundle():
    birth = service_item(name="出生登记")
    card = service_item(
        name="首次申领居民身份证",
        form=[{"key": "reason", "label": "申请事由", "type": "text"}],
    )
    bundle = Bundle.objects.create(code="YJS-T-1", name="新生儿出生一件事")
    BundleItem.objects.create(bundle=bundle, item=birth, order=1)
    BundleItem.objects.create(bundle=bundle, item=card, order=2)
    return bundle


def test_a_bundle_asks_each_field_and_material_once_and_makes_one_part_per_item(
    client, owner, bundle, tree
):
    birth, card = [entry.item for entry in bundle.entries.order_by("order")]
    body = client.get(reverse("jkb:apply_bundle", args=[bundle.code])).content.decode()
    assert body.count('name="reason"') == 1
    assert body.count('type="file"') == 1  # 准予迁入证明, asked once for both items
    material = birth.materials.get(fetched=False)
    response = client.post(
        reverse("jkb:apply_bundle", args=[bundle.code]),
        {
            "applicant_name": "张三",
            "applicant_id_number": id_number(),
            "applicant_phone": owner.phone,
            f"handling_unit_{birth.pk}": tree["s1"].pk,
            f"handling_unit_{card.pk}": tree["s2"].pk,
            **GOOD_FORM,
            "idempotency_key": "key-bundle-0123456789",
            f"material_{material.pk}": pdf(),
        },
    )
    parent = BundleApplication.objects.get()
    assert response["Location"] == reverse("jkb:receipt", args=[parent.receipt])
    parts = {part.item: part for part in parent.parts.all()}
    assert (parts[birth].unit, parts[card].unit) == (tree["s1"], tree["s2"])
    assert sorted(Upload.objects.values_list("application__item__name", flat=True)) == [
        "出生登记",
        "首次申领居民身份证",
    ]


def test_a_bundle_double_post_makes_one_bundle_application(client, owner, bundle, tree):
    birth, card = [entry.item for entry in bundle.entries.order_by("order")]
    material = birth.materials.get(fetched=False)
    for _ in range(2):
        client.post(
            reverse("jkb:apply_bundle", args=[bundle.code]),
            {
                "applicant_name": "张三",
                "applicant_id_number": id_number(),
                "applicant_phone": owner.phone,
                f"handling_unit_{birth.pk}": tree["s1"].pk,
                f"handling_unit_{card.pk}": tree["s1"].pk,
                **GOOD_FORM,
                "idempotency_key": "key-bundle-0123456789",
                f"material_{material.pk}": pdf(),
            },
        )
    assert (BundleApplication.objects.count(), Application.objects.count()) == (1, 2)


def test_a_bundle_shows_every_error_at_once(client, owner, bundle):
    birth, card = [entry.item for entry in bundle.entries.order_by("order")]
    response = client.post(reverse("jkb:apply_bundle", args=[bundle.code]), {"reason": "x"})
    failed = set(re.findall(r'data-field="([^"]+)"', response.content.decode()))
    assert {
        "applicant_name",
        "applicant_id_number",
        "applicant_phone",
        f"handling_unit_{birth.pk}",
        f"handling_unit_{card.pk}",
        "move_date",
        "household",
    } <= failed
    assert BundleApplication.objects.count() == 0


# --- My applications -----------------------------------------------------------------------------


def submitted(item, unit, who):
    return ops.submit(
        item, applicant=applicant(), unit=unit, channel=Channel.ONLINE, data=GOOD_FORM, by=who
    )


def test_my_applications_lists_mine_with_status_and_steps_and_not_others(client, owner, item, tree):
    mine = submitted(item, tree["s1"], owner)
    ops.accept(mine, window_clerk(tree["s1"]))
    theirs = submitted(item, tree["s1"], citizen())
    body = client.get(reverse("jkb:mine")).content.decode()
    assert mine.receipt in body
    assert theirs.receipt not in body
    assert "已受理" in body
    assert "提交申请" in body
    assert "受理" in body
    mine.refresh_from_db()
    assert mine.due_on.strftime("%Y-%m-%d") in body


def test_a_citizen_supplements_the_materials_asked_for(client, owner, item, tree):
    app = submitted(item, tree["s1"], owner)
    clerk = window_clerk(tree["s1"])
    ops.accept(app, clerk)
    ops.ask_supplement(app, clerk, missing=["户口簿首页复印件"])
    page = client.get(reverse("jkb:application", args=[app.receipt])).content.decode()
    assert "户口簿首页复印件" in page
    response = client.post(
        reverse("jkb:supplement", args=[app.receipt]), {"files": [pdf("户口簿.pdf")]}
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.ACCEPTED
    assert list(app.uploads.values_list("original_name", flat=True)) == ["户口簿.pdf"]


def test_a_supplement_with_a_wrong_file_stores_nothing_and_keeps_the_status(
    client, owner, item, tree
):
    app = submitted(item, tree["s1"], owner)
    ops.ask_supplement(app, window_clerk(tree["s1"]), missing=["照片"])
    bad = SimpleUploadedFile("照片.png", b"GIF89a....", content_type="image/png")
    response = client.post(reverse("jkb:supplement", args=[app.receipt]), {"files": [bad]})
    assert response.status_code == 400
    assert "“照片.png”不是允许的类型" in response.content.decode()
    app.refresh_from_db()
    assert (app.status, app.uploads.count()) == (ApplicationStatus.SUPPLEMENT, 0)


def test_a_supplement_without_a_file_is_refused(client, owner, item, tree):
    app = submitted(item, tree["s1"], owner)
    ops.ask_supplement(app, window_clerk(tree["s1"]), missing=["照片"])
    response = client.post(reverse("jkb:supplement", args=[app.receipt]))
    assert "请至少上传一个补正材料文件" in response.content.decode()


def test_a_citizen_withdraws_an_application(client, owner, item, tree):
    app = submitted(item, tree["s1"], owner)
    client.post(reverse("jkb:withdraw", args=[app.receipt]))
    app.refresh_from_db()
    assert app.status == ApplicationStatus.WITHDRAWN


def test_a_completed_application_cannot_be_withdrawn(client, owner, tree):
    item = service_item(on_the_spot=True)
    app = submitted(item, tree["s1"], owner)
    ops.complete_on_the_spot(app, window_clerk(tree["s1"]))
    response = client.post(reverse("jkb:withdraw", args=[app.receipt]))
    assert response.status_code == 400
    app.refresh_from_db()
    assert app.status == ApplicationStatus.COMPLETED


def test_another_citizen_cannot_withdraw_my_application(client, item, tree):
    app = submitted(item, tree["s1"], citizen())
    log_in(client, citizen())
    assert client.post(reverse("jkb:withdraw", args=[app.receipt])).status_code == 404
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED


# --- Tracking ------------------------------------------------------------------------------------


def test_tracking_shows_the_status_with_the_name_and_phone_masked(client, item, tree):
    app = submitted(item, tree["s1"], citizen())
    response = client.post(
        reverse("jkb:track"), {"receipt": app.receipt.lower(), "phone": "13912345678"}
    )
    body = response.content.decode()
    assert 'data-testid="track-status">已提交<' in body
    assert "张*" in body
    assert "139****5678" in body
    assert "张三" not in body
    assert "13912345678" not in body.replace('value="13912345678"', "")
    assert app.applicant_id_number not in body


def test_tracking_with_the_wrong_phone_finds_nothing(client, item, tree):
    app = submitted(item, tree["s1"], citizen())
    response = client.post(reverse("jkb:track"), {"receipt": app.receipt, "phone": "13900000000"})
    body = response.content.decode()
    assert "未找到与该回执号和手机号相符的办件" in body
    assert 'data-testid="track-result"' not in body


def test_tracking_a_bundle_shows_each_parts_status(client, owner, bundle, tree):
    parent = ops.submit_bundle(
        bundle,
        applicant=applicant(),
        units=tree["s1"],
        channel=Channel.ONLINE,
        data=GOOD_FORM,
        by=owner,
    )
    body = client.post(
        reverse("jkb:track"), {"receipt": parent.receipt, "phone": "13912345678"}
    ).content.decode()
    assert "新生儿出生一件事" in body
    assert "首次申领居民身份证" in body
    assert "办理中" in body


def test_tracking_is_refused_after_ten_lookups_in_ten_minutes(client):
    answers = [
        client.post(reverse("jkb:track"), {"receipt": "JKB0", "phone": "13900000000"}).status_code
        for _ in range(11)
    ]
    assert answers == [200] * 10 + [429]


def test_an_optional_material_may_be_left_out(client, owner, tree):
    item = service_item()
    Material.objects.filter(item=item, fetched=False).update(required=False)
    data = good_post(item, tree["s1"], owner)
    data.pop(f"material_{item.materials.get(fetched=False).pk}")
    client.post(reverse("jkb:apply", args=[item.code]), data)
    assert (Application.objects.count(), Upload.objects.count()) == (1, 0)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_posts_with_the_same_key_make_one_application(tree):
    """Two requests racing (a double click): the database's unique key lets one through."""
    import threading

    from django.db import connection
    from django.test import Client

    item, owner = service_item(), citizen()
    barrier, answers = threading.Barrier(2), []

    def post() -> None:
        client = Client()
        log_in(client, owner)
        barrier.wait()
        try:
            answers.append(
                client.post(
                    reverse("jkb:apply", args=[item.code]), good_post(item, tree["s1"], owner)
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    application = Application.objects.get()
    assert [answer["Location"] for answer in answers] == [
        reverse("jkb:receipt", args=[application.receipt])
    ] * 2
    assert Upload.objects.count() == 1
