"""Crafted spreadsheets that must be refused before or while parsing."""

import warnings
import zipfile
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from common.uploads import OLE_MAGIC


def valid_xlsx(rows=(("姓名", "身份证号"), ("张三", "11010519491231002X"))):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def replace_member(xlsx: bytes, member: str, content: bytes, compresslevel: int = 9) -> bytes:
    source = zipfile.ZipFile(BytesIO(xlsx))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = content if item.filename == member else source.read(item.filename)
            target.writestr(item.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
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


# --- Files that a zip-and-DTD guard alone let through (issue 12) -----------------------------------

def _sheet_xml(body: bytes, dimension: str | None = None) -> bytes:
    head = HEAD.replace(b"<sheetData>", b"")
    if dimension:
        head += b'<dimension ref="%s"/>' % dimension.encode()
    return head + b"<sheetData>" + body + TAIL


def far_cell(reference="XFD2000"):
    """One cell far away: 4.8 KB of file, a whole-range read of gigabytes."""
    row = int("".join(ch for ch in reference if ch.isdigit()))
    body = b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
    body += b'<row r="%d"><c r="%s"><v>1</v></c></row>' % (row, reference.encode())
    return replace_member(valid_xlsx(), SHEET, _sheet_xml(body, f"A1:{reference}"))


def far_dimension(reference="XFD1048576"):
    """A sheet whose <dimension> claims the whole grid though it holds one cell."""
    body = b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
    return replace_member(valid_xlsx(), SHEET, _sheet_xml(body, f"A1:{reference}"))


def wide_row_without_references(cells=20_000):
    """Cells without an r attribute sit one right of another: 20,000 of them reach column ACOF."""
    body = b"<row>" + b"<c><v>1</v></c>" * cells + b"</row>"
    return replace_member(valid_xlsx(), SHEET, _sheet_xml(body))


def too_many_rows(rows=10_001):
    return valid_xlsx([("姓名", "身份证号")] + [(f"学员{i}", "") for i in range(rows)])


def bad_reference(reference="A0"):
    body = b'<row r="1"><c r="%s"><v>1</v></c></row>' % reference.encode()
    return replace_member(valid_xlsx(), SHEET, _sheet_xml(body))


def _stored(xlsx: bytes) -> bytes:
    """The same workbook with every member stored uncompressed (so bytes can be edited in place)."""
    source = zipfile.ZipFile(BytesIO(xlsx))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for item in source.infolist():
            target.writestr(item.filename, source.read(item.filename), compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


ROWS_PAST_4KB = [("姓名", "身份证号")] + [(f"学员{i}", "") for i in range(300)] + [("张三", "11010519491231002X")]


def bad_crc():
    """The sheet's bytes changed after its CRC was written (a cell's text edited in place, past
    the first 4 KB that a scan of the part's head reads)."""
    data = _stored(valid_xlsx(ROWS_PAST_4KB))
    marker = "张三".encode()
    assert data.count(marker) == 1
    return data.replace(marker, "李四".encode())


def forged_sizes(change=+4096):
    """The sheet's uncompressed size forged in both headers: a reader that trusts it reads past the
    part's end (or stops inside it), one that does not reads what is there."""
    data = bytearray(valid_xlsx(ROWS_PAST_4KB))
    archive = zipfile.ZipFile(BytesIO(bytes(data)))
    info = archive.getinfo(SHEET)
    declared = info.file_size + change
    local = info.header_offset
    data[local + 22:local + 26] = declared.to_bytes(4, "little")
    central = bytes(data).rfind(b"PK\x01\x02", 0, len(data))
    while central != -1:
        name_length = int.from_bytes(data[central + 28:central + 30], "little")
        if bytes(data[central + 46:central + 46 + name_length]) == SHEET.encode():
            data[central + 24:central + 28] = declared.to_bytes(4, "little")
            break
        central = bytes(data).rfind(b"PK\x01\x02", 0, central)
    return bytes(data)


def utf16_billion_laughs():
    """The entity bomb written in UTF-16, which a scan of the first bytes as UTF-8 does not read."""
    text = billion_laughs_sheet().decode().replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    return replace_member(valid_xlsx(), SHEET, text.encode("utf-16"))


def billion_laughs_sheet():
    entities = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10) for i in range(1, 10))
    return (b'<?xml version="1.0"?>' + b"<!DOCTYPE worksheet [" + entities + b"]>" + HEAD.split(b"?>", 1)[1]
            + b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>' + TAIL)


def dtd_after_padding():
    """The DTD pushed past the first 4 KB by a comment."""
    sheet = billion_laughs_sheet().replace(b"?>", b"?><!--" + b"x" * 8000 + b"-->", 1)
    return replace_member(valid_xlsx(), SHEET, sheet)


def sheet_under_another_name():
    """The workbook's relationship points the first sheet at a part not named .xml, holding a far
    cell: a reader follows the relationship, not the name."""
    data = replace_member(far_cell("XFD1048576"), "xl/_rels/workbook.xml.rels",
                          zipfile.ZipFile(BytesIO(valid_xlsx())).read("xl/_rels/workbook.xml.rels").replace(
                              b"worksheets/sheet1.xml", b"media/image1.png"))
    source = zipfile.ZipFile(BytesIO(data))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            name = "xl/media/image1.png" if item.filename == SHEET else item.filename
            target.writestr(name, source.read(item.filename))
    return out.getvalue()


def duplicate_sheet():
    """Two parts of the same name: one reader takes the first, another the last."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(valid_xlsx())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, source.read(item.filename))

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            target.writestr(SHEET, far_cell_sheet())
    return out.getvalue()


def far_cell_sheet(reference="XFD1048576"):
    return zipfile.ZipFile(BytesIO(far_cell(reference))).read(SHEET)


def _renamed_sheet(name: str, target: str | None = None, sheet: bytes | None = None, extra=()) -> bytes:
    """The workbook with its sheet stored as `name` (and the relationship pointing at `target`),
    holding `sheet` (by default a cell at XFD1048576)."""
    source = zipfile.ZipFile(BytesIO(valid_xlsx()))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == SHEET:
                archive.writestr(name, sheet or far_cell_sheet())
                continue
            if item.filename == "xl/_rels/workbook.xml.rels" and target:
                data = data.replace(b"/xl/worksheets/sheet1.xml", target.encode()).replace(
                    b"worksheets/sheet1.xml", target.encode())
            archive.writestr(item.filename, data)
        for part, data in extra:
            archive.writestr(part, data)
    return out.getvalue()


def shared_strings_count(count=4_000_000_000):
    """Shared strings announcing four billion entries: a reader reserves room for them first."""
    strings = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
               b'2006/main" count="%d" uniqueCount="%d"><si><t>x</t></si></sst>' % (count, count))
    return replace_member(valid_xlsx(), "xl/sharedStrings.xml", strings) if "xl/sharedStrings.xml" in \
        zipfile.ZipFile(BytesIO(valid_xlsx())).namelist() else _renamed_sheet(SHEET, sheet=_sheet_xml(
            b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), extra=[("xl/sharedStrings.xml", strings)])


# Every crafted file, with the refusal code the guard gives it (import endpoints answer 400 with it).
CRAFTED = {
    "billion_laughs": (billion_laughs, "unsafe_xml"),
    "xxe": (xxe, "unsafe_xml"),
    "utf16_billion_laughs": (utf16_billion_laughs, "xml_encoding"),
    "dtd_after_padding": (dtd_after_padding, "unsafe_xml"),
    "truncated": (truncated, "corrupt"),
    "password": (password_protected, "encrypted"),
    "xls": (renamed_xls, "xls_renamed"),
    "csv": (renamed_csv, "not_xlsx"),
    "zip_bomb": (zip_bomb, "zip_bomb"),
    "far_cell_XFD2000": (far_cell, "too_many_columns"),
    "far_cell_XFD1048576": (lambda: far_cell("XFD1048576"), "too_many_columns"),
    "last_row_A1048576": (lambda: far_cell("A1048576"), "too_many_rows"),
    "far_dimension": (far_dimension, "too_many_columns"),
    "wide_row_without_references": (wide_row_without_references, "too_many_columns"),
    "too_many_rows": (too_many_rows, "too_many_rows"),
    "bad_reference_A0": (bad_reference, "bad_reference"),
    "bad_reference_letters": (lambda: bad_reference("AAAA1"), "bad_reference"),
    "bad_crc": (bad_crc, "corrupt"),
    "forged_sizes_larger": (forged_sizes, "corrupt"),
    "forged_sizes_smaller": (lambda: forged_sizes(-4096), "corrupt"),
    "sheet_under_another_name": (sheet_under_another_name, "too_many_columns"),
    "duplicate_sheet": (duplicate_sheet, "corrupt"),
    "part_name_in_other_case": (lambda: _renamed_sheet("xl/Worksheets/Sheet1.XML"), "too_many_columns"),
    "part_name_with_backslashes": (lambda: _renamed_sheet("xl\\worksheets\\sheet1.xml"), "corrupt"),
    "part_name_with_dotdot": (lambda: _renamed_sheet("xl/../xl/worksheets/s.dat", "../xl/worksheets/s.dat"), "corrupt"),
    "relationship_to_a_dat_part": (lambda: _renamed_sheet("xl/worksheets/s.dat", "worksheets/s.dat"), "too_many_columns"),
    "shared_strings_count": (shared_strings_count, "sheet_too_large"),
}
