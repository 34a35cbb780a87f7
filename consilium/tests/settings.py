"""Test settings: the production settings with three changes, each for speed or plain HTTP."""

import os

# Production refuses to start without an audit key; the tests use a fixed one.
os.environ.setdefault("CONSILIUM_AUDIT_KEY", "test-audit-key-not-for-production-0123456789")
# Production refuses to start without a record-encryption master key: a fixed, test-only one.
TEST_MASTER_KEY = "A" * 43
os.environ.setdefault("CONSILIUM_MASTER_KEY", TEST_MASTER_KEY)

from consilium.settings import *  # noqa: E402, F403

# The test client and the live server speak plain HTTP.
SECURE_SSL_REDIRECT = False
# Argon2 is deliberately slow; a fast hasher keeps hundreds of test users cheap.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Production serves collected, hashed static files; tests serve them from the source tree.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Test on a real SQLite file (WAL, BEGIN IMMEDIATE) as in production, not shared-cache memory,
# whose table locks fail at once instead of waiting.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405
STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405  (WhiteNoise warns when it is missing)
