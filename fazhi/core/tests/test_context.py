from django.test import RequestFactory

from fazhi.core.context import is_current, navigation
from fazhi.core.roles import Role


def test_home_is_current_only_on_the_home_page():
    assert is_current("/", "/")
    assert not is_current("/", "/org/")


def test_a_section_is_current_on_its_sub_pages():
    assert is_current("/org/officers/", "/org/officers/100001/")
    assert not is_current("/org/officers/", "/org/")


def test_only_the_longest_matching_menu_entry_is_current(tree, make_user):
    request = RequestFactory().get("/org/officers/100001/")
    request.user = make_user(Role.SUPERVISOR, tree["city"])
    current = [url for _label, url, active in navigation(request)["nav_items"] if active]
    assert current == ["/org/officers/"]


def test_an_anonymous_visitor_gets_no_staff_menu(db):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/public/")
    request.user = AnonymousUser()
    assert navigation(request) == {"nav_items": [], "nav_menu": []}


def test_the_menu_holds_only_what_the_role_may_open(tree, make_user):
    request = RequestFactory().get("/")
    request.user = make_user(Role.AUDIT_ADMIN, None)
    urls = [url for _label, url, _active in navigation(request)["nav_items"]]
    assert "/audit/" in urls
    assert "/org/officers/" not in urls


def _urls(user) -> list[str]:
    request = RequestFactory().get("/")
    request.user = user
    return [url for _label, url, _active in navigation(request)["nav_items"]]


def test_the_discretion_review_is_in_the_menu_of_supervisors_and_legal_officers_only(
    tree, make_user
):
    assert "/discretion/audit/" in _urls(make_user(Role.SUPERVISOR, tree["city"]))
    assert "/discretion/audit/" in _urls(make_user(Role.LEGAL_OFFICER, tree["d1"]))
    assert "/discretion/audit/" not in _urls(make_user(Role.OFFICER, tree["s1"]))


def test_the_navbar_groups_pages_into_menus_and_shows_a_lone_page_as_a_link(tree, make_user):
    request = RequestFactory().get("/supervision/orders/")
    request.user = make_user(Role.SUPERVISOR, tree["city"])
    menu = {label: (url, current, [c[0] for c in kids]) for label, url, current, kids in
            navigation(request)["nav_menu"]}  # fmt: skip
    assert menu["执法监督"] == ("", True, ["监督看板", "预警", "督办", "评查", "裁量审查"])
    assert menu["警快办"][2] == ["办件", "办件预警", "警快办指标"]
    assert menu["行政案件"] == ("/cases/", False, [])
    request.user = make_user(Role.AUDIT_ADMIN, None)
    lone = [entry for entry in navigation(request)["nav_menu"] if entry[0] == "审计日志"]
    assert lone == [("审计日志", "/audit/", False, [])]
