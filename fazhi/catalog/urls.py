from django.urls import path

from fazhi.catalog import views

app_name = "catalog"
urlpatterns = [
    path("items/", views.items, name="items"),
    path("items/<str:code>/", views.item_detail, name="item"),
    path("editions/", views.edition_list, name="editions"),
    path("editions/new/", views.edition_start, name="edition_start"),
    path("editions/diff/", views.edition_diff, name="diff"),
    path("editions/<int:pk>/", views.edition_detail, name="edition"),
    path("editions/<int:pk>/sync/", views.edition_sync, name="edition_sync"),
    path("editions/<int:pk>/publish/", views.edition_publish, name="edition_publish"),
    path("editions/<int:pk>/entries/add/", views.entry_add, name="entry_add"),
    path("editions/<int:pk>/entries/<int:entry_pk>/", views.entry_row, name="entry_row"),
    path("editions/<int:pk>/entries/<int:entry_pk>/edit/", views.entry_edit, name="entry_edit"),
    path(
        "editions/<int:pk>/entries/<int:entry_pk>/remove/", views.entry_remove, name="entry_remove"
    ),
]
