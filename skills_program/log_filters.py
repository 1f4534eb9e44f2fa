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


class OneLinePerRefusal(logging.Filter):
    """On Django's request and development-server loggers: a 403 is reported once, by the
    security log's "permission denied" line (who, what, from where), so Django's "Forbidden
    (Permission denied)" warning with its traceback and the server's own line for the same
    request are dropped; any other 4xx is kept on one line, without a traceback (a refusal is
    not a fault in the code). 5xx keep their tracebacks.

    Loaded by the logging configuration before the apps are ready: it imports nothing of them."""

    def filter(self, record):
        status = getattr(record, "status_code", None)
        if not isinstance(status, int) or not 400 <= status < 500:
            return True
        if status == 403:
            return False
        record.exc_info = None
        record.exc_text = None
        return True
