"""How a person is written: 姓 then 名, with no space (Django's get_full_name() puts the given
name first with a space, "红梅 牛"). Operators are shown by name, never by username."""

import re

NO_NAME = "未填写姓名的账号"
_LATIN = re.compile(r"[A-Za-z]")


def display_name(user) -> str:
    """姓名 as written in Chinese: last_name + first_name ("牛红梅"). A name in Latin letters
    keeps its own order with a space ("Anna Li"); an account without a name is shown as
    `NO_NAME`, never by its username. Nobody (None) is the empty string."""
    if user is None:
        return ""
    family, given = (getattr(user, "last_name", "") or "").strip(), (getattr(user, "first_name", "") or "").strip()
    if not family and not given:
        return NO_NAME
    if _LATIN.search(family + given):
        return " ".join(part for part in (given, family) if part)
    return family + given
