"""What an uploaded class photo may be and what is kept of it (checkin.photos, 三(七) 视频调阅):
pure functions, no database. The photo files the other photo tests use are made here: real JPEGs
and PNGs drawn with Pillow, and crafted ones (a header that lies about its size, a truncated
file)."""

import datetime
import hashlib
import struct
import zlib
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageFile

from checkin import photos


def jpeg(size=(64, 48), color=(200, 30, 30), exif=None, **params) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", quality=90, **({"exif": exif} if exif else {}), **params)
    return buffer.getvalue()


def png(size=(64, 48), color=(30, 30, 200, 255), mode="RGBA") -> bytes:
    buffer = BytesIO()
    Image.new(mode, size, color).save(buffer, "PNG")
    return buffer.getvalue()


def two_halves_jpeg(*, orientation: int) -> bytes:
    """80 x 40 pixels, the left half red and the right half blue, with an EXIF Orientation."""
    image = Image.new("RGB", (80, 40), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 40, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=95, exif=exif)
    return buffer.getvalue()


def phone_exif(taken="2026:12:01 09:15:00") -> Image.Exif:
    """What a phone writes: its make and model, the time taken and where (GPS: 长治, 36.19 N 113.12 E)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "HUAWEI"
    exif[ExifTags.Base.Model] = "SecretModel-X1"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (36.0, 11.0, 24.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (113.0, 7.0, 12.0)
    return exif


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_claiming(width: int, height: int) -> bytes:
    """A valid-looking PNG of a few dozen bytes whose header declares `width` x `height` pixels
    (8-bit RGB): decoded, 60000 x 60000 would ask for about 10 GB."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + _chunk(b"IEND", b""))


GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
       b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
JPEG_MAGIC_FILL = b"\xff\xd8\xff"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def upload(data: bytes, name="IMG_20261201_0915.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def refusal(data_or_upload):
    file = BytesIO(data_or_upload) if isinstance(data_or_upload, bytes) else data_or_upload
    with pytest.raises(ValidationError) as caught:
        photos.process_photo(file)
    return caught.value


def test_a_jpeg_is_accepted_and_re_encoded_with_a_thumbnail():
    data = jpeg(size=(640, 480))
    photo = photos.process_photo(BytesIO(data))
    stored, thumbnail = Image.open(BytesIO(photo.image)), Image.open(BytesIO(photo.thumbnail))
    assert (stored.format, stored.size, (photo.width, photo.height)) == ("JPEG", (640, 480), (640, 480))
    assert thumbnail.format == "JPEG" and max(thumbnail.size) == photos.THUMBNAIL_LONG_SIDE
    assert photo.image != data  # re-encoded, not the uploaded bytes
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert photo.taken_at is None


def test_a_png_is_accepted_and_stored_as_jpeg():
    photo = photos.process_photo(BytesIO(png(size=(300, 200))))
    stored = Image.open(BytesIO(photo.image))
    assert (stored.format, stored.mode, stored.size) == ("JPEG", "RGB", (300, 200))


def test_a_large_photo_is_kept_at_most_2560_pixels_on_its_long_side():
    photo = photos.process_photo(BytesIO(jpeg(size=(6000, 4000))))
    assert (photo.width, photo.height) == (2560, 1707)


def test_location_and_every_other_metadata_are_removed():
    """A phone's JPEG with GPS, make, model and the time taken: the stored photo and thumbnail
    carry no EXIF at all; the time taken is read first (for reference)."""
    data = jpeg(size=(320, 240), exif=phone_exif(), comment=b"shot at home")
    assert Image.open(BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the upload has a location
    photo = photos.process_photo(BytesIO(data))
    for stored in (photo.image, photo.thumbnail):
        image = Image.open(BytesIO(stored))
        assert dict(image.getexif()) == {}
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)
        assert b"Exif" not in stored and b"HUAWEI" not in stored and b"SecretModel" not in stored
        assert b"shot at home" not in stored
    assert photo.taken_at == datetime.datetime(2026, 12, 1, 9, 15)


@pytest.mark.parametrize("orientation, size, top_left, bottom_right", [
    (1, (80, 40), "red", "blue"),
    (6, (40, 80), "red", "blue"),  # held upright: stored sideways, turned 90° clockwise
    (8, (40, 80), "blue", "red"),  # turned 90° counter-clockwise
    (3, (80, 40), "blue", "red"),  # upside down
])
def test_the_exif_orientation_is_applied(orientation, size, top_left, bottom_right):
    photo = photos.process_photo(BytesIO(two_halves_jpeg(orientation=orientation)))
    image = Image.open(BytesIO(photo.image)).convert("RGB")
    assert image.size == size == (photo.width, photo.height)

    def colour(xy):
        r, _, b = image.getpixel(xy)
        return "red" if r > b else "blue"

    assert (colour((2, 2)), colour((size[0] - 3, size[1] - 3))) == (top_left, bottom_right)


def test_a_file_over_5_mib_is_refused_by_its_size_before_it_is_read():
    class Declared:
        size = photos.MAX_PHOTO_BYTES + 1
        name = "big.jpg"

        def seek(self, offset):
            raise AssertionError("read although its size was known")

        read = seek

    assert refusal(Declared()).code == "photo_too_large"


def test_a_stream_longer_than_5_mib_is_refused_without_reading_it_all():
    class Endless(BytesIO):
        size = None
        asked = []

        def read(self, n=-1):
            self.asked.append(n)
            return JPEG_MAGIC_FILL * (n if n > 0 else photos.MAX_PHOTO_BYTES * 2)

    stream = Endless()
    assert refusal(stream).code == "photo_too_large"
    assert stream.asked == [photos.MAX_PHOTO_BYTES + 1]


def test_a_file_of_exactly_5_mib_passes_the_size_check():
    data = jpeg() + b"\x00" * (photos.MAX_PHOTO_BYTES - len(jpeg()))
    assert len(data) == photos.MAX_PHOTO_BYTES
    assert photos.read_upload(upload(data)) == data


@pytest.mark.parametrize("data", [GIF, PDF, b"<html><script>alert(1)</script></html>", b"\xff\xd8"],
                         ids=["gif", "pdf", "html", "two-bytes"])
def test_anything_but_jpeg_or_png_is_refused_whatever_its_name(data):
    error = refusal(upload(data, name="photo.jpg"))
    assert error.code == "photo_type_refused"
    assert "JPG、PNG" in error.messages[0] and "三(七)" in error.messages[0]


def test_an_empty_file_is_refused():
    assert refusal(upload(b"")).code == "photo_empty"


@pytest.mark.parametrize("width, height", [(60000, 60000), (9000, 9000), (10001, 10), (1, 0)])
def test_a_header_declaring_too_many_pixels_is_refused_without_decoding(monkeypatch, width, height):
    """A PNG of a few dozen bytes claiming 60000 x 60000 pixels (Pillow's own bomb guard fires),
    9000 x 9000 (past the 40-megapixel cap, under Pillow's), a side past 10000, or no pixels at
    all: refused from the header, and no pixel is ever decoded."""
    data = png_claiming(width, height)
    assert len(data) < 200
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self) or None)
    error = refusal(data)
    assert error.code in ("photo_too_many_pixels", "photo_unreadable")
    if width and height:
        assert error.code == "photo_too_many_pixels"
        assert "4000万像素" in error.messages[0] and "三(七)" in error.messages[0]
    assert decoded == []


@pytest.mark.parametrize("make", [
    lambda: jpeg(size=(400, 300))[:2000],
    lambda: png(size=(400, 300), color=None, mode="RGB")[:-40],
    lambda: JPEG_MAGIC_FILL * 100,
], ids=["truncated-jpeg", "truncated-png", "garbage-after-magic"])
def test_a_truncated_or_corrupt_file_is_refused(make):
    error = refusal(make())
    assert error.code == "photo_unreadable"
    assert "重新拍摄" in error.messages[0]
