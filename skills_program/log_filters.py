"""Log lines never carry a resident ID number or a mobile phone number (SPEC.md §2).

Messages are written without them in the first place; this filter, on every handler, is the
second line: a database error quoting a duplicate key, a traceback or a third-party library's
message is masked the same way the pages mask (first 6 and last 4 of an ID, 3 and 4 of a phone).
"""

import logging
import re

_ID_NUMBER = re.compile(r"(?<![0-9])([1-9][0-9]{5})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9])")
# Mobiles as people type them: 13812345678, +86 138 1234 5678, 86-138-1234-5678.
_PHONE = re.compile(r"(?<![0-9])(?:\+?86[-\s]?)?(1[3-9][0-9])[-\s]?[0-9]{4}[-\s]?([0-9]{4})(?![0-9])")


def redact(text: str) -> str:
    text = _ID_NUMBER.sub(r"\1********\2", text)
    return _PHONE.sub(r"\1****\2", text)


class RedactPersonalData(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
