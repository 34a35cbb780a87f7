"""Production settings for the serving test, with one change: static files are hashed into
their manifest as in production, but not also compressed (WhiteNoise's gzip and Brotli of
Django Ninja's 24 MB of API-docs scripts take half a minute on two cores)."""

from consilium.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
