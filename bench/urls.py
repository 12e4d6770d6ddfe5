"""Fazhi's URLs plus the baseline of the case-list benchmark (mounted only under bench.settings)."""

from django.urls import path

from bench.baseline import case_page
from fazhi.urls import urlpatterns as fazhi_urlpatterns

urlpatterns = [path("bench/baseline/cases", case_page), *fazhi_urlpatterns]
