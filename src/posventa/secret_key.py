"""The project secret: configured, or generated once per data directory and kept there.

Everything signed with it (sessions, CSRF, the customer portal links, the web form's
"thanks" page) is only as private as the key. A key printed in the source would let anyone
sign a portal link for any customer, so there is no built-in key:

- `POSVENTA_SECRET_KEY` set: it is used, unless it is the demo key published in earlier
  versions or shorter than `MIN_LENGTH` characters, which are refused.
- otherwise the key stored in `<POSVENTA_DATA_DIR>/secret_key` is used;
- otherwise the first `posventa` command to use the data directory generates one and
  stores it there, readable by its owner only. The file is created under a temporary name
  and linked into place, so two processes starting together agree on one key (the second
  link fails and that process reads the winner's key).
- when the key can be neither read nor stored (a read-only data directory), the server
  refuses to start and says why; with `POSVENTA_DEBUG` on it uses a key of its own for
  this process only (links and sessions then end with the process).

Settings import this module, so it imports nothing of Django's settings machinery.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

FILE_NAME = "secret_key"
# Django's own deploy check asks for 50 characters (security.W009).
MIN_LENGTH = 50
MIN_UNIQUE_CHARACTERS = 5
# Shipped as the fallback in earlier versions: public, so worthless as a secret.
PUBLISHED_KEYS = frozenset({"posventa-insecure-demo-key-change-me"})
ENV_VAR = "POSVENTA_SECRET_KEY"


def resolve(data_dir: Path, *, configured: str | None, debug: bool) -> str:
    """The key this process signs with; raises ImproperlyConfigured saying what to do."""
    if configured is not None and configured.strip():
        return _checked(configured.strip(), origin=ENV_VAR)
    path = data_dir / FILE_NAME
    try:
        return _read(path) if path.exists() else _create(path)
    except OSError as error:
        if debug:
            print(
                f"posventa: cannot store a secret key in {path} ({error.strerror}); using a "
                "key for this process only: portal links and sessions end with it.",
                file=sys.stderr,
            )
            return new_key()
        raise ImproperlyConfigured(
            f"No secret key: {ENV_VAR} is not set and {path} cannot be read or created "
            f"({error.strerror}). Set {ENV_VAR} to a random value of at least {MIN_LENGTH} "
            "characters (python -c 'import secrets; print(secrets.token_urlsafe(50))'), or "
            "make POSVENTA_DATA_DIR writable so Posventa can generate and keep one."
        ) from error


def new_key() -> str:
    return secrets.token_urlsafe(64)


def _checked(key: str, *, origin: str) -> str:
    if key in PUBLISHED_KEYS:
        raise ImproperlyConfigured(
            f"{origin} is the demo key published with Posventa's source: anyone could forge "
            f"portal links with it. Remove it (a key is then generated in the data directory) "
            "or set a random value of your own."
        )
    if len(key) < MIN_LENGTH or len(set(key)) < MIN_UNIQUE_CHARACTERS:
        raise ImproperlyConfigured(
            f"{origin} is too short or too regular: use a random value of at least "
            f"{MIN_LENGTH} characters (python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))')."
        )
    return key


def _read(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ImproperlyConfigured(
            f"{path} can be read by other users of this machine (mode "
            f"{stat.filemode(mode)}): run chmod 600 {path}, or delete it to generate a new "
            "key (every portal link and session then stops working)."
        )
    return _checked(path.read_text(encoding="ascii").strip(), origin=str(path))


def _create(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(new_key() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        # link() never replaces: of two processes racing here, one wins and both read
        # the winner's file.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return _read(path)
