"""Settings for the test suite: the product's settings with a key of the tests' own.

The tests must neither depend on nor create the key a developer's `./var` keeps, so they
sign with this one (long and random enough for the deploy check, and public: it signs
nothing outside a test database).
"""

import os

os.environ.setdefault(
    "POSVENTA_SECRET_KEY", "tests-only-key-9f3c1b7e2d6a4058b1e7c3d9a2f6e8b4-never-used-elsewhere"
)

from posventa.settings import *  # noqa: F403
