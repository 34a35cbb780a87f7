"""The product's settings, with the load benchmark's URLs (its bare view: bench/load_urls.py)."""

from consilium.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
