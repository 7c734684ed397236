"""Photos taken at write-up and inspection: checked, turned upright and made small.

A tablet camera sends 4 to 12 MB JPEGs (or HEIC converted by the browser) with the rotation in
an EXIF tag. What we keep is the picture upright, at most `MAX_SIDE` pixels on its longer
side, re-encoded as JPEG, with the camera's metadata (location included) left out: the
customer's car is photographed, not where the technician stood. Anything Pillow cannot
read as a picture, or larger than the limit before any work is done, is refused with a
message naming the file, so a wrong file never reaches a repair order.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_SIDE = 1600
JPEG_QUALITY = 82
# Pillow's own guard against decompression bombs, stated here so that the refusal is ours.
MAX_PIXELS = 60_000_000


@dataclass(frozen=True)
class Photo:
    jpeg: bytes
    width: int
    height: int


def accept_photo(
    upload: BinaryIO,
    *,
    name: str,
    size: int,
    field: str = "photos",
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> Photo:
    """The upload as an upright JPEG of at most MAX_SIDE pixels, or ValidationError on
    `field` naming the file and what is wrong with it."""
    if size > max_bytes:
        raise ValidationError(
            {
                field: _("%(name)s is %(size)s; a photo may be at most %(limit)s.")
                % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(max_bytes)}
            }
        )
    picture = _open(upload, name=name, field=field)
    upright = ImageOps.exif_transpose(picture).convert("RGB")
    upright.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    upright.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return Photo(out.getvalue(), upright.width, upright.height)


def _open(upload: BinaryIO, *, name: str, field: str) -> Image.Image:
    readable = _("%(name)s is not a photo we can read (JPEG, PNG or WebP).")
    not_a_picture = ValidationError({field: readable % {"name": name}})
    try:
        picture = Image.open(upload)
        if picture.width * picture.height > MAX_PIXELS:
            raise ValidationError(
                {field: _("%(name)s has too many pixels to be a photo.") % {"name": name}}
            )
        with whole_images_only():
            picture.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise not_a_picture from error
    return picture


@contextmanager
def whole_images_only() -> Iterator[None]:
    """Refuse a cut-off file while loading it. WeasyPrint switches Pillow's process-wide
    LOAD_TRUNCATED_IMAGES on when it is imported (a PDF may show half an image), which
    would let a photo that stopped uploading halfway through pass as a grey half."""
    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
