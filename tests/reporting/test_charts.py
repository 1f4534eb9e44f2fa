"""Charts a person can read: text never under 11 pixels on a 360-pixel phone, no label cut off,
and every value written by the same formatter as its table (a rate is 28.5% in both)."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse

from common.numbers import rate_text
from common.templatetags.skills import percent
from reporting import dashboard
from reporting.dashboard import CHART_WIDTH, MIN_READABLE_PX, bar_chart, money_text, text_width
from tests.scenarios import completed_class

SVG = "{http://www.w3.org/2000/svg}"
PHONE_COLUMN = 300  # the narrowest column a chart gets on a 360-pixel phone (the admin's)


def texts(svg):
    root = ET.fromstring(str(svg))
    return root, [t for t in root.iter(f"{SVG}text")]


def test_text_is_at_least_11_pixels_when_the_chart_fills_a_phone_column():
    root, elements = texts(bar_chart("年度任务进度", ["农民工技能提升培训(含小微企业岗前)", "城镇失业人员培训"],
                                     [("任务", [4610, 1040]), ("结业", [154, 124])]))
    scale = min(1, PHONE_COLUMN / float(root.get("width")))
    assert elements and min(float(t.get("font-size")) * scale for t in elements) >= MIN_READABLE_PX == 11


def test_no_label_or_value_runs_outside_the_chart():
    long_name = "长治县某某某某职业技能培训学校附属第二实训基地(山西护工与家政服务专业方向)"
    root, elements = texts(bar_chart("培训机构合格率与就业率", [long_name, "长治县技工学校"],
                                     [("合格率", [Decimal("1.0000"), Decimal("0.2857")]),
                                      ("就业率", [Decimal("0.3333"), None])],
                                     value_text=percent, scale=float))
    width = float(root.get("viewBox").split()[2])
    assert width == CHART_WIDTH
    for element in elements:
        drawn = "".join(element.itertext()) if element.find(f"{SVG}title") is None else element.text
        x, size = float(element.get("x")), float(element.get("font-size"))
        assert x >= 0 and x + text_width(drawn, size) <= width, drawn
    # The long name is shortened on the chart and kept whole in its tooltip.
    label = next(t for t in elements if t.find(f"{SVG}title") is not None and t.find(f"{SVG}title").text == long_name)
    assert label.text.endswith("…") and len(label.text) < len(long_name)


def test_a_rate_is_written_as_its_table_writes_it():
    chart = str(bar_chart("培训机构合格率与就业率", ["长治县技工学校"], [("合格率", [Decimal("0.2857")])],
                          value_text=percent, scale=float))
    table = Template("{% load skills %}{{ rate|percent }}").render(Context({"rate": Decimal("0.2857")}))
    assert table == "28.5%" and ">28.5%<" in chart and "28.57" not in chart


def test_money_is_written_as_its_table_writes_it():
    table = Template("{% load humanize %}{{ v|floatformat:2|intcomma }}").render(Context({"v": Decimal("134480.5")}))
    assert money_text(Decimal("134480.5")) == table == "134,480.50"


def test_an_empty_chart_says_so():
    assert "暂无数据" in str(bar_chart("补贴金额按月(元)", [], [("审批", []), ("拨付", [])]))


@pytest.mark.django_db
def test_the_dashboard_chart_table_and_export_show_the_same_rate(hr_client, policy_year):
    """Two of seven trainees certified: 28.5% on the chart, in the table and in the export."""
    completed_class(trainees=7, absent_sessions={i: 10 for i in range(2, 7)})
    page = hr_client.get(reverse("admin:dashboard")).content.decode()
    league = page[page.index('aria-label="培训机构合格率与就业率"'):]
    chart, table = league[:league.index("</svg>")], league[league.index("</svg>"):]
    assert ">28.5%<" in chart and "<td class=\"n\">28.5%</td>" in table
    assert not re.search(r"28\.57|28\.6%", page)
    data = dashboard.figures(policy_year)
    assert dashboard.export_rows("league", data)[0][2] == "28.5%"


def test_one_rate_formatter_truncates_and_never_crosses_a_threshold():
    assert [rate_text(v) for v in (Decimal("0.2857"), Decimal("0.84999"), 1, 0, None)] == [
        "28.5%", "84.9%", "100.0%", "0.0%", "—"]
