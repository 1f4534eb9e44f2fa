"""Class and employment documents: what may be stored, under which name, and how it is sent back.

A county office works with PDF, JPG/PNG scans, Word and Excel; anything else (a web page, an
SVG, a program) could run in a reader's browser or on their machine, so it is refused on upload.
The type is read from the bytes (the first few, or a zip's directory), never trusted from the
name, and the name's extension must agree with it. Stored files get a generated name
(`classes/syllabus/2026/<uuid4 hex>.pdf`), so nothing a user typed reaches the disk or a URL,
and they are read back only through the document views, which check the reader's scope and
always answer with a download.
"""

import posixpath
import uuid
import zipfile
from dataclasses import dataclass

from django import forms
from django.contrib.admin.widgets import AdminFileWidget
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.text import get_valid_filename

# The application refuses larger uploads; nginx's client_max_body_size (6m, README) sits just above.
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024

LIMIT = f"{MAX_DOCUMENT_BYTES // (1024 * 1024)}MB"
ACCEPTED = f"只接受 PDF、JPG/PNG 图片、Word 或 Excel 文件(不超过{LIMIT})"
ACCEPT_ATTRIBUTE = ".pdf,.jpg,.jpeg,.png,.doc,.docx,.xls,.xlsx"
HELP_TEXT = f"PDF、JPG/PNG 图片、Word 或 Excel 文件,不超过{LIMIT}。"


@dataclass(frozen=True)
class DocumentType:
    label: str
    extension: str  # the one stored files get
    content_type: str
    extensions: tuple[str, ...]  # the ones an upload may carry


PDF = DocumentType("PDF", "pdf", "application/pdf", ("pdf",))
JPEG = DocumentType("JPG 图片", "jpg", "image/jpeg", ("jpg", "jpeg"))
PNG = DocumentType("PNG 图片", "png", "image/png", ("png",))
DOC = DocumentType("Word 97-2003 文档", "doc", "application/msword", ("doc",))
XLS = DocumentType("Excel 97-2003 工作簿", "xls", "application/vnd.ms-excel", ("xls",))
DOCX = DocumentType("Word 文档", "docx",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",))
XLSX = DocumentType("Excel 工作簿", "xlsx",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",))

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"


def sniff(file) -> tuple[DocumentType, ...]:
    """The accepted types the bytes of `file` can be: one, two for an OLE compound file (a
    legacy .doc and .xls share it), none for anything else. Reads the first 8 bytes and, for a
    zip, only its central directory (nothing is decompressed); leaves `file` at its start."""
    try:
        file.seek(0)
        head = file.read(8)
        if head.startswith(b"%PDF-"):
            return (PDF,)
        if head.startswith(b"\xff\xd8\xff"):
            return (JPEG,)
        if head == PNG_MAGIC:
            return (PNG,)
        if head == OLE_MAGIC:
            return (DOC, XLS)
        if head.startswith(ZIP_MAGIC):
            return _office_zip(file)
        return ()
    finally:
        file.seek(0)


def _office_zip(file) -> tuple[DocumentType, ...]:
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return ()
    # Macro-enabled documents (.docm/.xlsm renamed) carry code a county office never needs.
    if "[Content_Types].xml" not in names or any(n.lower().endswith("vbaproject.bin") for n in names):
        return ()
    if "word/document.xml" in names:
        return (DOCX,)
    if "xl/workbook.xml" in names:
        return (XLSX,)
    return ()


def _extension(name) -> str:
    return posixpath.splitext(str(name or "").replace("\\", "/"))[1].lstrip(".").lower()


def _unchecked_extension(name) -> str:
    """For bytes of no accepted type (demo data, files stored before the check): plain text
    keeps .txt, anything else becomes .bin, so that no reader's machine opens it as a page or
    a program."""
    return "txt" if _extension(name) == "txt" else "bin"


def validate_document(file):
    """Refuse an upload that is not a PDF, JPG/PNG, Word or Excel file of at most
    MAX_DOCUMENT_BYTES whose extension agrees with its content. A file already stored passes
    (it was checked when it was stored), so editing other fields never re-reads it."""
    if not file or getattr(file, "_committed", False):
        return
    if file.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(f"文件超过{LIMIT}:{ACCEPTED},请压缩或降低扫描分辨率后重新上传。",
                              code="document_too_large")
    candidates = sniff(file)
    if not candidates:
        raise ValidationError(f"{ACCEPTED}:请另存为这些格式后上传。", code="document_type_refused")
    extension = _extension(file.name)
    if not any(extension in kind.extensions for kind in candidates):
        raise ValidationError(
            "文件扩展名(%(extension)s)与内容(%(content)s)不符。" + ACCEPTED + ":请另存为这些格式后上传。",
            code="document_extension_mismatch",
            params={"extension": f".{extension[:10]}" if extension else "无", "content": candidates[0].label},
        )


def document_type(file, name="") -> DocumentType | None:
    """The type of `file`'s bytes; between a legacy .doc and .xls, the one `name` says."""
    candidates = sniff(file)
    extension = _extension(name)
    return next((kind for kind in candidates if extension in kind.extensions), candidates[0] if candidates else None)


class DocumentFieldFile(FieldFile):
    def save(self, name, content, save=True):
        """Store under a generated name: a uuid4 and the extension of the detected type, in
        the field's upload_to directory."""
        kind = document_type(content, name)
        extension = kind.extension if kind else _unchecked_extension(name)
        super().save(f"{uuid.uuid4().hex}.{extension}", content, save)

    @property
    def url(self):
        """The document view that checks the reader's scope: media files are never served."""
        self._require_file()
        return reverse(f"documents:{self.instance._meta.model_name}",
                       kwargs={"pk": self.instance.pk, "field": self.field.name})


class _StoredDocument:
    """A stored document as a form shows it: by the field's name and the file's type (教学大纲.pdf),
    linked to the document view; never by its storage path."""

    def __init__(self, fieldfile, label):
        self.url = fieldfile.url
        self.label = f"{label}.{_extension(fieldfile.name) or 'bin'}"

    def __str__(self):
        return self.label


class _ShownByName:
    document_label = "文件"

    def format_value(self, value):
        if self.is_initial(value):
            return _StoredDocument(value, self.document_label)
        return super().format_value(value)


class DocumentInput(_ShownByName, forms.ClearableFileInput):
    pass


class AdminDocumentInput(_ShownByName, AdminFileWidget):
    pass


class DocumentFormField(forms.FileField):
    default_validators = [validate_document]

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", HELP_TEXT)
        widget = kwargs.get("widget")
        admin_widget = widget is AdminFileWidget or isinstance(widget, AdminFileWidget)
        kwargs["widget"] = AdminDocumentInput if admin_widget else DocumentInput
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", ACCEPT_ATTRIBUTE)
        self.widget.document_label = str(self.label or "文件")


class DocumentField(models.FileField):
    """A FileField for documents: validated (validate_document, which the admin and every
    ModelForm run), stored under a generated name, linked (`.url`) to the document view and shown
    in forms by the field's name, never by the storage path."""

    attr_class = DocumentFieldFile
    default_validators = [validate_document]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": DocumentFormField, **kwargs})


def document_response(fieldfile, *, title):
    """Send a stored document as a download named `<title>.<ext>` (RFC 5987 for Chinese), typed
    by its bytes, never rendered by the browser: attachment, nosniff and a sandboxing CSP."""
    if not fieldfile:
        raise Http404("没有上传该文件。")
    try:
        handle = fieldfile.storage.open(fieldfile.name, "rb")
    except OSError as error:
        raise Http404("文件不存在。") from error
    try:
        kind = document_type(handle, fieldfile.name)
    except OSError as error:
        handle.close()
        raise Http404("文件无法读取。") from error
    extension = kind.extension if kind else _unchecked_extension(fieldfile.name)
    filename = get_valid_filename(f"{title}.{extension}") if title else f"document.{extension}"
    response = FileResponse(handle, as_attachment=True, filename=filename,
                            content_type=kind.content_type if kind else "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
