"""Crafted spreadsheets that must be refused before or while parsing."""

import zipfile
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from skills_program.uploads import OLE_MAGIC


def valid_xlsx(rows=(("姓名", "身份证号"), ("张三", "11010519491231002X"))):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def replace_member(xlsx: bytes, member: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(BytesIO(xlsx))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = content if item.filename == member else source.read(item.filename)
            target.writestr(item.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
TAIL = b"</sheetData></worksheet>"


def zip_bomb(rows=1_000_000):
    """A million rows of the same cell: a few hundred KiB compressed."""
    body = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * rows
    return replace_member(valid_xlsx(), SHEET, HEAD + body + TAIL)


def billion_laughs():
    entities = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10) for i in range(1, 10))
    doctype = b"<!DOCTYPE worksheet [" + entities + b"]>"
    sheet = (b'<?xml version="1.0"?>' + doctype + HEAD.split(b"?>", 1)[1]
             + b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>' + TAIL)
    return replace_member(valid_xlsx(), SHEET, sheet)


def xxe():
    doctype = b'<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    sheet = (b'<?xml version="1.0"?>' + doctype + HEAD.split(b"?>", 1)[1]
             + b'<row r="1"><c r="A1" t="inlineStr"><is><t>&secret;</t></is></c></row>' + TAIL)
    return replace_member(valid_xlsx(), SHEET, sheet)


def truncated():
    data = valid_xlsx()
    return data[: len(data) // 2]


def password_protected():
    """An encrypted OOXML package is an OLE compound file holding EncryptionInfo and
    EncryptedPackage streams."""
    directory = "EncryptionInfo".encode("utf-16-le") + b"\x00" * 50 + "EncryptedPackage".encode("utf-16-le")
    return OLE_MAGIC + b"\x00" * 504 + directory + b"\x00" * 2048


def renamed_xls():
    return OLE_MAGIC + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 2048


def renamed_csv():
    return "姓名,身份证号\n张三,11010519491231002X\n".encode("gbk")


def sheet(headers, rows):
    """An uploaded .xlsx with `headers` and `rows` on its first sheet, as a browser sends it."""
    workbook = Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(list(row))
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("表格.xlsx", buffer.getvalue())
