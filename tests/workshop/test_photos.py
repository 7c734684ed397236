"""Photos from the tablet: real JPEG and PNG files are turned upright, made small and
stripped of camera metadata; what is not a photo, or too large, is refused by name."""

from __future__ import annotations

import io

import pytest
import weasyprint  # type: ignore[import-untyped]
from django.core.exceptions import ValidationError
from PIL import Image

from posventa.workshop.photos import MAX_SIDE, accept_photo

ORIENTATION = 0x0112
GPS_INFO = 0x8825


def jpeg(width: int, height: int, *, orientation: int | None = None, gps: bool = False) -> bytes:
    picture = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if gps:
        exif[GPS_INFO] = {1: "N", 2: (40.0, 25.0, 0.0)}
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def accept(data: bytes, name: str = "photo.jpg") -> tuple[Image.Image, bytes]:
    photo = accept_photo(io.BytesIO(data), name=name, size=len(data))
    return Image.open(io.BytesIO(photo.jpeg)), photo.jpeg


def test_a_camera_photo_is_made_small_keeping_its_shape() -> None:
    picture, _ = accept(jpeg(4000, 3000))
    assert picture.format == "JPEG"
    assert picture.size == (MAX_SIDE, 1200)


def test_a_photo_taken_with_the_tablet_turned_is_stored_upright() -> None:
    # Orientation 6: the sensor's landscape frame must be turned 90° to be seen upright.
    picture, _ = accept(jpeg(800, 600, orientation=6))
    assert picture.size == (600, 800)
    assert ORIENTATION not in picture.getexif()


def test_where_the_photo_was_taken_is_not_kept() -> None:
    picture, _ = accept(jpeg(800, 600, gps=True))
    assert GPS_INFO not in picture.getexif()


def test_a_small_png_screenshot_is_kept_at_its_size_as_jpeg() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (640, 480), (0, 0, 255, 128)).save(out, format="PNG")
    picture, _ = accept(out.getvalue(), "screen.png")
    assert (picture.format, picture.size) == ("JPEG", (640, 480))


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"%PDF-1.7\n1 0 obj << >> endobj\n", "invoice.pdf"),
        (b"just some text", "notes.txt"),
        (b"", "empty.jpg"),
    ],
)
def test_a_file_that_is_not_a_photo_is_refused_by_name(data: bytes, name: str) -> None:
    with pytest.raises(ValidationError) as refused:
        accept(data, name)
    [message] = refused.value.message_dict["photos"]
    assert name in message and "not a photo" in message


def test_a_truncated_photo_is_refused_even_after_weasyprint_is_loaded() -> None:
    assert weasyprint  # imported above: it lets Pillow load truncated images, process-wide
    data = jpeg(800, 600)
    with pytest.raises(ValidationError) as refused:
        accept(data[: len(data) // 3], "cut.jpg")
    assert "cut.jpg" in refused.value.messages[0]


def test_a_photo_over_the_limit_is_refused_before_it_is_read() -> None:
    data = jpeg(100, 100)
    with pytest.raises(ValidationError) as refused:
        accept_photo(io.BytesIO(data), name="huge.jpg", size=20 * 1024 * 1024)
    message = refused.value.message_dict["photos"][0]
    assert "huge.jpg" in message and "20.0" in message and "15.0" in message
