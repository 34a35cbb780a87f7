"""The product's settings, with the load benchmark's URLs (its bare view: bench/load_urls.py)."""

from consilium.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"

# The notices the benchmark's actions queue go nowhere (there is no mail server here): the
# task worker serve starts then works as in production without failing on each one.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
