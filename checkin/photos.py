"""Class photos for remote inspection (现场照片, 《实施方案》三(七) 视频调阅): what an upload may be and
what is kept of it.

Pure functions: bytes in, bytes out, ValidationError(code=...) on refusal. No ORM, no clock, no
settings. Every check that costs little comes before the one that costs much: the size before
reading, the first bytes before Pillow, the pixel size the header declares before any pixel is
decoded. A file that claims 60000 x 60000 pixels in a few hundred bytes (a decompression bomb)
is refused from its header. What is stored is pixel data re-encoded by Pillow into a fresh JPEG:
no EXIF (GPS location, camera serial), no XMP, no ICC profile, no comment of the original.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from django.core.exceptions import ValidationError
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# A phone photo of at most 5 MiB has far fewer pixels; the caps keep one decode within ~160 MB.
MAX_PIXELS = 40_000_000
MAX_SIDE = 10_000
# Enough to read faces and a blackboard on HR's screen, a few hundred KB each.
STORED_LONG_SIDE = 2560
THUMBNAIL_LONG_SIDE = 320
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ACCEPT_ATTRIBUTE = "image/jpeg,image/png"

CLAUSE = "《实施方案》三(七) 视频调阅"
TYPES = f"现场照片只接受手机或相机拍摄的 JPG、PNG 照片,不超过{MAX_PHOTO_BYTES // (1024 * 1024)}MB({CLAUSE})"


@dataclass(frozen=True)
class ProcessedPhoto:
    """What is stored of an upload: the re-encoded photo and its thumbnail (JPEG bytes), the
    photo's size in pixels, the SHA-256 of the bytes as uploaded, and the camera's own
    DateTimeOriginal as a naive wall-clock time (None if absent or unreadable)."""

    image: bytes
    thumbnail: bytes
    width: int
    height: int
    sha256: str
    taken_at: datetime | None


def _too_large():
    return ValidationError(f"照片超过{MAX_PHOTO_BYTES // (1024 * 1024)}MB:{TYPES}。请在手机上选择较小的尺寸"
                           "(如“标准”或“1200万像素”)重新拍摄,或压缩后上传。", code="photo_too_large")


def read_upload(upload) -> bytes:
    """The bytes of `upload` (a Django UploadedFile or any binary file object), refused when
    larger than MAX_PHOTO_BYTES: by its declared size before reading, and by reading at most one
    byte more than the limit (a stream that lied about its size)."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_PHOTO_BYTES:
        raise _too_large()
    upload.seek(0)
    data = upload.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise _too_large()
    if not data:
        raise ValidationError(f"上传的文件是空的:{TYPES}。请重新选择照片。", code="photo_empty")
    return data


def ensure_photo_type(data: bytes) -> str:
    """JPEG or PNG, read from the first bytes (the name and the browser's content type are not
    trusted): a GIF, a PDF or a web page renamed .jpg is refused. Returns Pillow's format name."""
    if data.startswith(JPEG_MAGIC):
        return "JPEG"
    if data.startswith(PNG_MAGIC):
        return "PNG"
    raise ValidationError(f"这个文件不是 JPG 或 PNG 照片:{TYPES}。请用手机相机拍摄后上传。",
                          code="photo_type_refused")


def _too_many_pixels(declared: str):
    return ValidationError(
        "照片尺寸%(declared)s超出上限(每边不超过%(side)d像素、合计不超过%(mega)d万像素):" + TYPES
        + "。请用手机相机的常规尺寸重新拍摄后上传。",
        code="photo_too_many_pixels",
        params={"declared": declared, "side": MAX_SIDE, "mega": MAX_PIXELS // 10_000},
    )


def ensure_pixel_size(*, width: int, height: int) -> None:
    """The pixel size the header declares, checked before decoding: each side at most MAX_SIDE
    and at most MAX_PIXELS in all, so that a crafted header cannot make the server allocate
    gigabytes."""
    if width <= 0 or height <= 0 or width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise _too_many_pixels(f"{width}×{height}像素")


def _unreadable():
    return ValidationError(f"照片无法读取(文件不完整或已损坏):{TYPES}。请重新拍摄,或等照片完整保存后再上传。",
                           code="photo_unreadable")


def taken_at(exif: Image.Exif) -> datetime | None:
    """The camera's DateTimeOriginal ("2026:12:01 09:15:00"), naive; None when absent or not a
    real date. For reference only: a camera's clock may be wrong."""
    try:
        text = exif.get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal)
    except (KeyError, ValueError, TypeError, OSError, SyntaxError):
        return None
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    if not isinstance(text, str):
        return None
    try:
        return datetime.strptime(text.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _exif(image: Image.Image) -> Image.Exif:
    """The image's EXIF; an empty one when it is malformed (the photo itself may be fine)."""
    try:
        return image.getexif()
    except (OSError, SyntaxError, ValueError, TypeError, KeyError, IndexError, EOFError):
        return Image.Exif()


def _upright(image: Image.Image) -> Image.Image:
    """The image turned as its EXIF Orientation says (a phone held upright stores the pixels
    sideways); unturned when that EXIF is malformed."""
    try:
        return ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, TypeError, KeyError, IndexError, EOFError):
        return image


def _jpeg(image: Image.Image, quality: int) -> bytes:
    # Nothing of the original's info dict (comment, dpi, ICC profile, EXIF) reaches the encoder.
    image.info = {}
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def process_photo(upload) -> ProcessedPhoto:
    """Check an upload and re-encode it (现场照片, 三(七) 视频调阅).

    In order: the size (read_upload), the type from the first bytes (ensure_photo_type), the
    header opened lazily and its declared pixel size (ensure_pixel_size), and only then the
    pixels decoded (a truncated or corrupt file is refused here). JPEGs are decoded at a reduced
    scale when far larger than what is kept (Pillow's draft mode). The EXIF orientation is applied,
    DateTimeOriginal read, and the pixels written to a new JPEG of at most STORED_LONG_SIDE pixels
    and a thumbnail of THUMBNAIL_LONG_SIDE, neither carrying any metadata. Refusals:
    ValidationError with code photo_too_large, photo_empty, photo_type_refused,
    photo_too_many_pixels or photo_unreadable."""
    data = read_upload(upload)
    kind = ensure_photo_type(data)
    try:
        image = Image.open(BytesIO(data), formats=[kind])
    except Image.DecompressionBombError:
        # Pillow's own guard, which fires on opening for headers far past ours: the same refusal.
        raise _too_many_pixels("") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _unreadable() from None
    with image:
        ensure_pixel_size(width=image.width, height=image.height)
        try:
            if kind == "JPEG":
                image.draft("RGB", (STORED_LONG_SIDE, STORED_LONG_SIDE))
            image.load()
            when = taken_at(_exif(image))
            # convert() copies the original's info (its EXIF included), which exif_transpose reads.
            picture = image.convert("RGB")
            picture.thumbnail((STORED_LONG_SIDE, STORED_LONG_SIDE), Image.Resampling.LANCZOS)
            picture = _upright(picture)
            thumbnail = picture.copy()
            thumbnail.thumbnail((THUMBNAIL_LONG_SIDE, THUMBNAIL_LONG_SIDE), Image.Resampling.LANCZOS)
            width, height = picture.size
            return ProcessedPhoto(
                image=_jpeg(picture, JPEG_QUALITY), thumbnail=_jpeg(thumbnail, THUMBNAIL_QUALITY),
                width=width, height=height, sha256=hashlib.sha256(data).hexdigest(), taken_at=when,
            )
        except Image.DecompressionBombError:
            raise _too_many_pixels("") from None
        except (OSError, SyntaxError, ValueError, EOFError, TypeError, KeyError, IndexError):
            raise _unreadable() from None
