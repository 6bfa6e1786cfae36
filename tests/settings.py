"""Test settings: Stockade's settings with a throw-away data directory unless one is given."""

import os
import tempfile

# Tests look at the chain right after an action: seal before the response.
os.environ.setdefault("STOCKADE_AUDIT_SEAL", "inline")
os.environ.setdefault("STOCKADE_DATA_DIR", tempfile.mkdtemp(prefix="stockade-test-"))

from stockade.settings import *  # noqa: F403

# Fast hashing in tests; production keeps Argon2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
