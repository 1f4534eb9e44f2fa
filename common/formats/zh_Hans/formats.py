"""Chinese date formats that accept what they display.

Django's own zh_Hans DATE_INPUT_FORMATS holds '%Y年%n月%j日', which strptime cannot parse, so a
date shown as 2018年5月14日 was refused when typed back. strptime's %m and %d accept one or two
digits, so 2018/5/14 and 2018-5-14 need no separate entries. The first entry is what the admin's
calendar widget writes.
"""

DATE_FORMAT = "Y年n月j日"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y年n月j日 H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "m月j日"
SHORT_DATE_FORMAT = "Y年n月j日"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"
FIRST_DAY_OF_WEEK = 1

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2018-05-14, 2018-5-14
    "%Y/%m/%d",  # 2018/5/14
    "%Y年%m月%d日",  # 2018年5月14日
    "%Y.%m.%d",  # 2018.5.14
    "%Y%m%d",  # 20180514
]
TIME_INPUT_FORMATS = ["%H:%M:%S", "%H:%M:%S.%f", "%H:%M"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M",
    "%Y.%m.%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日",
]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
