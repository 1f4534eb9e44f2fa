"""The upload guard: every spreadsheet passes here before any parser sees it.

Checks, in order, each with its own refusal code and a Chinese message: size, file name, what
the bytes really are (an .xls, a .csv or a password-protected workbook renamed .xlsx), the zip
directory (corrupt or truncated, duplicate or too many members, declared sizes and compression
ratios of a zip bomb), the workbook parts, then every XML part read to its end with expat (so
every CRC is verified): any DTD anywhere (entity bombs, external entities), any encoding other
than UTF-8, and on every worksheet the extent the sheet claims (its <dimension> and each row and
cell reference), bounded by the rows and columns the import expects. A reader builds the whole
range from A1 to the farthest cell a sheet mentions (one cell at XFD1048576 asks for 512 GiB), so
the extent is refused here, while the guard's own memory stays at one read step (4 MiB) and
expat's buffer for one token (a part is at most 32 MiB).
openpyxl, which writes templates and exports, resolves XML through defusedxml (checked at
start-up).
"""

import re
import zipfile
import zlib
from dataclasses import dataclass
from io import BytesIO
from xml.parsers import expat

from django.core.exceptions import ValidationError
from python_calamine import CalamineWorkbook

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_COLUMNS = 64
MAX_MEMBERS = 200
MAX_UNCOMPRESSED = 60 * 1024 * 1024
MAX_RATIO = 100
# One XML part at most (a 10,000-row sheet is 3 to 12 MiB): read in CHUNK steps, a single token
# (a long attribute, comment or text) costs expat at most about MAX_PART² / (2 x CHUNK) bytes of
# re-scanning, some 0.1 s, where 64 KiB steps cost seconds.
MAX_PART = 32 * 1024 * 1024
# Elements per cell a worksheet may carry on average (<c>, <v>, <is>, <t>, formatting runs):
# past it a sheet spends the parser's time on something that is not data.
ELEMENTS_PER_CELL = 8
CHUNK = 4 * 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
CELL_REFERENCE = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
ROW_NUMBER = re.compile(r"[1-9][0-9]{0,6}")
# Parts that are never XML: pictures and printer settings a user's workbook may carry.
BINARY_PARTS = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".emf", ".wmf", ".tif", ".tiff", ".bin")
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"  # lower case: looked up ignoring case

CORRUPT = "文件已损坏或不完整(可能上传中断):请重新保存后再上传。"


def refuse(message, code, **params):
    raise ValidationError(message, code=code, params=params or None)


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content: bytes


@dataclass(frozen=True)
class Extent:
    """How far a worksheet may reach: data rows below the header row, and columns."""

    max_rows: int = MAX_ROWS
    max_columns: int = MAX_COLUMNS
    header_rows: int = 1
    rows_message: str = "每个文件最多%(max)d行数据,请删除多余的行或分成几个文件上传。"

    @property
    def last_row(self):
        return self.max_rows + self.header_rows


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def guard_xlsx(upload, *, extent: Extent = Extent()) -> CheckedUpload:
    """Refuse anything that is not a sane .xlsx, before parsing. `upload` is a Django
    UploadedFile (or any object with .name, .size and .read()); `extent` bounds the rows and
    columns a worksheet may mention (the import's own limits)."""
    name = getattr(upload, "name", "") or ""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        refuse("文件超过5MB,请删除多余的工作表或分成几个文件上传。", "file_too_large")
    content = upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        refuse("文件超过5MB,请删除多余的工作表或分成几个文件上传。", "file_too_large")
    if not content:
        refuse("上传的文件是空的,请重新选择文件。", "empty_file")
    if not name.lower().endswith(".xlsx"):
        refuse("只接受 .xlsx 格式的文件:请在 Excel 或 WPS 中「另存为」Excel 工作簿(*.xlsx)后上传。", "not_xlsx")
    if content.startswith(OLE_MAGIC):
        if ENCRYPTED_MARK in content:
            refuse("该文件设置了打开密码,系统无法读取:请取消密码后另存为 .xlsx 再上传。", "encrypted")
        refuse("该文件是旧版 Excel 97-2003(.xls)格式,只是改了扩展名:请另存为 Excel 工作簿(*.xlsx)后上传。", "xls_renamed")
    if not content.startswith(b"PK\x03\x04"):
        refuse("该文件不是 Excel 工作簿(可能是 CSV 或文本文件改了扩展名):请用模板填写并另存为 .xlsx 后上传。",
               "not_xlsx")
    try:
        archive = zipfile.ZipFile(BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError, EOFError):
        refuse(CORRUPT, "corrupt")
    if len(members) > MAX_MEMBERS:
        refuse("文件结构异常(包含过多部件),系统拒绝读取:请用模板重新填写。", "zip_bomb")
    names = [member.filename for member in members]
    if len({name.lower() for name in names}) != len(names) or any(_irregular(name) for name in names):
        # A reader finds parts ignoring case and reading "\\" as "/": two names that it takes for
        # one, or a name it resolves otherwise than the guard, would let it read an unchecked part.
        refuse(CORRUPT, "corrupt")
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / member.compress_size if member.compress_size else member.file_size
        if total > MAX_UNCOMPRESSED or (member.file_size > 1024 * 1024 and ratio > MAX_RATIO):
            refuse("文件解压后异常巨大(疑似压缩炸弹),系统拒绝读取:请用模板重新填写,每次不超过10000行。", "zip_bomb")
        if member.file_size > MAX_PART and not member.filename.lower().endswith(BINARY_PARTS):
            refuse("文件中的工作表异常巨大,系统拒绝读取:请用模板重新填写,每次不超过10000行。", "zip_bomb")
        if member.flag_bits & 0x1:
            refuse("该文件设置了密码,系统无法读取:请取消密码后另存为 .xlsx 再上传。", "encrypted")
    by_key = {name.lower(): name for name in names}
    if "[content_types].xml" not in by_key or "xl/workbook.xml" not in by_key:
        refuse("该文件不是 Excel 工作簿:请用模板填写并另存为 .xlsx 后上传。", "not_xlsx")
    try:
        targets = _workbook_targets(archive, by_key)
        # Every XML part, and every part the workbook points at whatever its name, is read with
        # the sheet's bounds: a reader takes a worksheet from wherever the relationships say.
        xml_parts = {name for key, name in by_key.items() if key.endswith((".xml", ".rels"))} | targets
        for part in sorted(xml_parts):
            _scan_part(archive, part, extent)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error, NotImplementedError, KeyError):
        # BadZipFile: a CRC that does not match or a forged size; NotImplementedError: a damaged
        # header naming a zip version or a compression method that zipfile does not support.
        refuse(CORRUPT, "corrupt")
    return CheckedUpload(name=name, content=content)


def _irregular(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return "\\" in name or name.startswith("/") or ".." in parts or "." in parts


def _workbook_targets(archive, by_key) -> set:
    """The parts the workbook's relationships point at (its worksheets and shared strings among
    them), resolved as the reader resolves them: a leading "/" dropped, "xl/" added unless the
    target starts with it, no ".." folded, case ignored."""
    rels = by_key.get(WORKBOOK_RELS)
    if rels is None:
        return set()
    targets = []

    def start(tag, attributes):
        if tag.rsplit(" ", 1)[-1] == "Relationship":
            targets.append(attributes.get("Target", ""))

    _scan_part(archive, rels, None, on_start=start)
    found = set()
    for target in targets:
        if "://" in target:  # an external link: not a part of this file
            continue
        path = target[1:] if target.startswith("/") else target
        if not path.lower().startswith("xl/"):
            path = "xl/" + path
        if path.lower() in by_key:
            found.add(by_key[path.lower()])
    return found


class _Refused(Exception):
    def __init__(self, error):
        super().__init__()
        self.error = error


def _refusal(message, code, **params):
    return _Refused(ValidationError(message, code=code, params=params or None))


def _scan_part(archive, part, extent, on_start=None):
    """Read one XML part to its end through expat (no DTD, UTF-8 only), checking a worksheet's
    extent as it goes. Memory: one chunk at a time."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def no_dtd(*args):
        raise _refusal("文件包含不安全的内容(XML 实体),系统拒绝读取:请用模板重新填写。", "unsafe_xml")

    def declaration(version, encoding, standalone):
        if encoding and encoding.lower().replace("-", "") != "utf8":
            raise _refusal("文件内部编码异常(只接受 UTF-8),系统拒绝读取:请在 Excel 或 WPS 中另存为 .xlsx 后上传。",
                           "xml_encoding")

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.XmlDeclHandler = declaration
    if extent is not None:
        parser.StartElementHandler = _SheetExtent(extent).start
    elif on_start is not None:
        parser.StartElementHandler = on_start
    try:
        with archive.open(part) as stream:
            first = stream.read(CHUNK)
            if first.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in first[:4]:
                raise _refusal("文件内部编码异常(只接受 UTF-8),系统拒绝读取:请在 Excel 或 WPS 中另存为 .xlsx 后上传。",
                               "xml_encoding")
            chunk, size = first, 0
            while chunk:
                size += len(chunk)
                parser.Parse(chunk, False)
                chunk = stream.read(CHUNK)
            parser.Parse(b"", True)
        if size != archive.getinfo(part).file_size:
            # A forged size: a reader that trusts it reads past the part's end or stops inside it.
            refuse(CORRUPT, "corrupt")
    except _Refused as refused:
        raise refused.error from None
    except expat.ExpatError:
        refuse(CORRUPT, "corrupt")


class _SheetExtent:
    """Follows a worksheet's rows and cells (a cell without a reference sits right of the one
    before it) and refuses the first one past the extent, or a malformed reference."""

    def __init__(self, extent: Extent):
        self.extent = extent
        self.row = 0
        self.column = 0
        self.elements = 0
        self.budget = (extent.last_row * extent.max_columns) * ELEMENTS_PER_CELL + 10_000

    def start(self, tag, attributes):
        self.elements += 1
        if self.elements > self.budget:
            raise _refusal("工作表内容异常(元素过多),系统拒绝读取:请用模板重新填写。", "sheet_too_large")
        local = tag.rsplit(" ", 1)[-1]
        if local == "c":
            reference = attributes.get("r")
            if reference is None:
                self.column += 1
            else:
                match = CELL_REFERENCE.fullmatch(reference)
                if match is None:
                    raise _bad_reference(reference)
                self.column = column_number(match[1])
                self.row = int(match[2])
            self.check(self.row, self.column)
        elif local == "row":
            reference = attributes.get("r")
            if reference is None:
                self.row += 1
            elif ROW_NUMBER.fullmatch(reference):
                self.row = int(reference)
            else:
                raise _bad_reference(reference)
            self.column = 0
            self.check(self.row, 1)
        elif local == "sst":
            # A reader reserves room for the shared strings the part announces.
            for name in ("count", "uniqueCount"):
                value = attributes.get(name)
                if value is None:
                    continue
                if not value.isdigit() or len(value) > 12:
                    raise _bad_reference(value)
                if int(value) > self.extent.last_row * self.extent.max_columns:
                    raise _refusal("工作表内容异常(声明的文字条目过多),系统拒绝读取:请用模板重新填写。", "sheet_too_large")
        elif local == "dimension":
            reference = attributes.get("ref", "")
            for corner in reference.split(":"):
                match = CELL_REFERENCE.fullmatch(corner)
                if match is None:
                    raise _bad_reference(reference)
                self.check(int(match[2]), column_number(match[1]))

    def check(self, row, column):
        if column > self.extent.max_columns:
            raise _refusal("表格有内容写到了第%(letters)s列,超出本表的%(max)d列:请删除表格右侧多余的列(包括空白但设了格式的单元格)后"
                           "重新上传。", "too_many_columns", letters=column_letters(column), max=self.extent.max_columns)
        if row > self.extent.last_row:
            raise _refusal(self.extent.rows_message, "too_many_rows", max=self.extent.max_rows)


def _bad_reference(reference):
    return _refusal("文件中的单元格位置「%(reference)s」无效(文件已损坏):请在 Excel 或 WPS 中另存为 .xlsx 后上传。",
                    "bad_reference", reference=reference[:20])


def read_rows(checked: CheckedUpload, *, max_rows=MAX_ROWS):
    """The first worksheet's rows as tuples of cell values, refusing past `max_rows` data rows
    (the header row aside). Read with python-calamine (about nine times openpyxl's speed); the
    guard has already refused any DTD and bounded the sheet's extent. Empty cells are None; date
    cells arrive as date or datetime, numbers as int or float."""
    try:
        workbook = CalamineWorkbook.from_filelike(BytesIO(checked.content))
        sheet = workbook.get_sheet_by_index(0)
        rows = []
        for index, row in enumerate(sheet.iter_rows()):
            if index > max_rows:
                refuse("每个文件最多%(max)d行数据,请分成几个文件上传。", "too_many_rows", max=max_rows)
            rows.append(tuple(None if value == "" else value for value in row))
    except ValidationError:
        raise
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException:  # noqa: B036 the reader raises many kinds on malformed parts; a Rust panic is a BaseException
        refuse("无法读取该工作簿(内容格式有误):请用模板重新填写并另存为 .xlsx 后上传。", "unreadable")
    return rows
