"""How figures are written for people: one formatter per kind, shared by pages, charts, exports
and messages, so a chart and its table never disagree."""

from decimal import ROUND_DOWN, Decimal


def rate_text(share) -> str:
    """0.8437 -> "84.3%": truncated to one decimal, never rounded up across a threshold (a rate of
    84.96 % below an 85 % threshold reads 84.9%, not 85.0%). None or "" -> "—"."""
    if share is None or share == "":
        return "—"
    value = (Decimal(str(share)) * 100).quantize(Decimal("0.1"), ROUND_DOWN)
    return f"{value}%"


def share_text(share) -> str:
    """A parameter's share as the plan writes it: 0.85 -> "85%", 0.80 -> "80%", 0.305 -> "30.5%"
    (thresholds and instalment shares, exact; measured rates use `rate_text`)."""
    return f"{(Decimal(str(share)) * 100).normalize():f}%"
