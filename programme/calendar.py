"""The official working-day calendar (国务院办公厅节假日安排, 调休 included): the chinese-calendar
package's table, corrected by HR's CalendarDay rows for what it lacks."""

import calendar
from datetime import date

import chinese_calendar

from programme.models import CalendarDay


def add_calendar_months(day: date, months: int) -> date:
    """`day` plus whole calendar months, clamped to the month's end (31 May + 3 = 31 Aug)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def workday_calendar(start: date, end: date):
    """A function day -> bool for days in [start, end], reading HR's adjustments once."""
    adjustments = dict(CalendarDay.objects.filter(day__gte=start, day__lte=end).values_list("day", "is_workday"))

    def is_workday(day: date) -> bool:
        if day in adjustments:
            return adjustments[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            # A year the package does not know yet: Monday to Friday until HR records the holidays.
            return day.weekday() < 5

    return is_workday
