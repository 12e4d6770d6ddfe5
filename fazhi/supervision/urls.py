from django.urls import path

from fazhi.supervision import dashboard_views, order_views, review_views, views

app_name = "supervision"
urlpatterns = [
    path("", dashboard_views.dashboard_page, name="dashboard"),
    path("warnings/", views.warning_list, name="warnings"),
    path("warnings/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("orders/", order_views.order_list, name="orders"),
    path("orders/new/", order_views.order_new, name="order_new"),
    path("orders/bulk/", order_views.order_bulk, name="order_bulk"),
    path("orders/<str:number>/", order_views.order_detail, name="order"),
    path("orders/<str:number>/answer/", order_views.order_answer, name="order_answer"),
    path("orders/<str:number>/return/", order_views.order_return, name="order_return"),
    path("orders/<str:number>/verify/", order_views.order_verify, name="order_verify"),
    path("orders/<str:number>/notice.docx", order_views.order_notice, name="order_notice"),
    path("review/", review_views.review_list, name="reviews"),
    path("review/new/", review_views.review_new, name="review_new"),
    path("review/<int:pk>/", review_views.review_detail, name="review"),
    path("review/samples/new/", review_views.sample_new, name="review_sample_new"),
    path("review/samples/<int:pk>/", review_views.sample_detail, name="review_sample"),
]
