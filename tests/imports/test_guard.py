"""The upload guard refuses the crafted corpus quickly and cheaply, with a Chinese message."""

import os
import tracemalloc

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from common import uploads
from common.uploads import guard_xlsx, read_rows
from tests.imports import corpus


def upload(content, name="学员登记.xlsx"):
    return SimpleUploadedFile(name, content)


@pytest.fixture(scope="module")
def bomb():
    return corpus.zip_bomb()


CASES = {case: entry for case, entry in corpus.CRAFTED.items() if case != "zip_bomb"}


def refused_code(content, name="学员登记.xlsx"):
    with pytest.raises(ValidationError) as error:
        read_rows(guard_xlsx(upload(content, name)))
    message = error.value.messages[0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)
    return error.value.code


@pytest.mark.parametrize("case", sorted(CASES))
def test_crafted_files_are_refused_in_little_memory(case):
    build, code = CASES[case]
    content = build()
    tracemalloc.start()
    assert refused_code(content) == code
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 100 * 1024 * 1024, peak  # refused before any parser spent memory on it


def test_zip_bomb_is_refused_before_parsing(bomb):
    """A million rows in a few hundred KiB: refused from the zip directory alone."""
    assert len(bomb) < 1024 * 1024
    tracemalloc.start()
    assert refused_code(bomb) == "zip_bomb"
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 100 * 1024 * 1024, peak  # refused before any parser spent memory on it


def test_wrong_extension_and_size():
    assert refused_code(corpus.valid_xlsx(), name="学员登记.xls") == "not_xlsx"
    big = SimpleUploadedFile("big.xlsx", b"PK\x03\x04" + b"\x00" * (5 * 1024 * 1024))
    with pytest.raises(ValidationError) as error:
        guard_xlsx(big)
    assert error.value.code == "file_too_large"


def test_row_cap():
    rows = [("姓名",)] + [(f"学员{i}",) for i in range(10_001)]
    with pytest.raises(ValidationError) as error:
        read_rows(guard_xlsx(upload(corpus.valid_xlsx(rows))))
    assert error.value.code == "too_many_rows"
    assert len(read_rows(guard_xlsx(upload(corpus.valid_xlsx(rows[:10_001]))))) == 10_001


def test_a_valid_workbook_passes():
    rows = read_rows(guard_xlsx(upload(corpus.valid_xlsx())))
    assert rows == [("姓名", "身份证号"), ("张三", "11010519491231002X")]


def test_a_part_holds_one_long_token_up_to_the_part_limit():
    """A 30 MiB attribute (below the 32 MiB a part may hold) is scanned, read in 4 MiB steps (in
    64 KiB steps expat re-scanned it for seconds; `bench_import`'s parse floor times the guard); a
    larger part is refused from the zip directory, unread."""

    assert uploads.CHUNK >= 4 * 1024 * 1024 and uploads.MAX_PART <= 32 * 1024 * 1024
    # About one "b" in 13 "a"s: the part compresses some 10 times, under the ratio a zip bomb has.
    # zlib's level 3 packs it in a fraction of a second (level 9 takes some 15 s on such runs).
    blob = os.urandom(30 * 1024 * 1024).translate(bytes(98 if b < 20 else 97 for b in range(256)))
    sheet = corpus.HEAD + b'<row r="1"><c r="A1" t="inlineStr" x="' + blob + b'"><is><t>x</t></is></c></row>' + corpus.TAIL
    assert guard_xlsx(upload(corpus.replace_member(corpus.valid_xlsx(), corpus.SHEET, sheet, compresslevel=3)))
    bigger = corpus.replace_member(corpus.valid_xlsx(), corpus.SHEET, sheet.replace(b'x="', b'x="' + blob[:3 * 1024 * 1024]),
                                   compresslevel=3)
    # Refused for the part's size, not the upload's size or its compression ratio.
    assert len(bigger) <= uploads.MAX_BYTES
    with pytest.raises(ValidationError) as error:
        guard_xlsx(upload(bigger))
    assert error.value.code == "zip_bomb" and "工作表异常巨大" in error.value.messages[0]
