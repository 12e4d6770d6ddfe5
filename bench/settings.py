"""Settings for the benchmarks: Fazhi's own, plus the baseline endpoint of bench/urls.py."""

from fazhi.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
