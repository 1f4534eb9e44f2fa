"""The HR dashboard: the year's progress, money and institutions as tables with server-side SVG
charts (no JavaScript, no CDN), each table exportable to .xlsx. Every figure is one grouped
query, so the page costs the same whatever the county's size."""

import datetime
import time
from collections import defaultdict
from decimal import Decimal
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.safestring import mark_safe
from django_tasks import task

from certification.selectors import certified as certified_metric
from common.numbers import rate_text
from courses.models import ClassStatus, Enrolment, TrainingClass
from courses.policy import FINISHED_STATUSES, mean_attendance_rate
from programme.models import County, PolicyYear, TargetLine, TownshipTarget
from reporting.models import FigureSnapshot
from reporting.selectors import annual_performance, employed_enrolments
from subsidies.models import ClaimStatus, SubsidyClaim
from trainees.models import Trainee, TraineeCategory

FINISHED = sorted(FINISHED_STATUSES)  # the statuses courses.policy declares finished
COLOURS = ["#b71c1c", "#ef6c00", "#2e7d32", "#1565c0", "#6a1b9a"]


# Charts are drawn CHART_WIDTH units wide. On a 360-pixel phone they shrink to the page's column
# (328 pixels in the portals, about 300 in the admin), so their smallest text, FONT_SIZE units,
# stays at or above MIN_READABLE_PX pixels; on a desktop they grow a little (portal.css).
CHART_WIDTH = 340
FONT_SIZE = 13
TITLE_SIZE = 15
MIN_READABLE_PX = 11


def text_width(text, size=FONT_SIZE):
    """A generous estimate of `text`'s drawn width: a CJK character is one em, anything else
    two thirds of one (WenQuanYi Micro Hei and Microsoft YaHei digits are about 0.55 em)."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.66 for ch in str(text))


def _fit(text, width, size=FONT_SIZE):
    """`text` cut with an ellipsis so that it fits `width` (the full text stays in a <title>)."""
    text = str(text)
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def count_text(value):
    return "0" if value is None else str(value)


def money_text(value):
    """Yuan as the tables show them: 12,345.60 (floatformat:2|intcomma)."""
    return intcomma(floatformat(value or 0, 2))


def bar_chart(title, labels, series, *, value_text=count_text, scale=float):
    """Horizontal grouped bars as inline SVG: `series` is [(name, [value per label])]. Each
    label gets its own line above its bars, so no label is cut short by a column of labels, and
    each bar carries its value written by `value_text`, the formatter its table uses; `scale`
    turns a value into the number the bar's length is drawn from."""
    width, bar, step = CHART_WIDTH, 11, 15
    parts = [f'<text x="0" y="{TITLE_SIZE + 1}" font-size="{TITLE_SIZE}" font-weight="bold">'
             f'{escape(_fit(title, width, TITLE_SIZE))}</text>']
    x, y = 0, TITLE_SIZE + 10  # the legend, wrapping like words
    for i, (name, _) in enumerate(series):
        item = 14 + text_width(name) + 12
        if x and x + item > width:
            x, y = 0, y + step + 3
        parts.append(f'<rect x="{x}" y="{y + 2}" width="10" height="10" fill="{COLOURS[i % len(COLOURS)]}"/>'
                     f'<text x="{x + 14}" y="{y + 11}" font-size="{FONT_SIZE}">{escape(name)}</text>')
        x += item
    y += step + 10
    texts = [[value_text(v) for v in values] for _, values in series]
    room = max([text_width(t) for row in texts for t in row] + [0]) + 6
    length_of = width - room
    peak = max([scale(v or 0) for _, values in series for v in values] + [0]) or 1
    for row, label in enumerate(labels):
        parts.append(f'<text x="0" y="{y + FONT_SIZE}" font-size="{FONT_SIZE}">{escape(_fit(label, width))}'
                     f'<title>{escape(str(label))}</title></text>')
        y += FONT_SIZE + 5
        for i, (name, values) in enumerate(series):
            length = length_of * scale(values[row] or 0) / peak
            text = texts[i][row]
            parts.append(f'<rect x="0" y="{y}" width="{length:.1f}" height="{bar}" '
                         f'fill="{COLOURS[i % len(COLOURS)]}"><title>{escape(str(label))} {escape(name)} '
                         f'{escape(text)}</title></rect>'
                         f'<text x="{length + 4:.1f}" y="{y + bar - 1}" font-size="{FONT_SIZE}">{escape(text)}</text>')
            y += step
        y += 8
    if not labels:
        parts.append(f'<text x="0" y="{y + FONT_SIZE}" font-size="{FONT_SIZE}" fill="#666">暂无数据</text>')
        y += FONT_SIZE + 8
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" width="{width}" '
        f'height="{y}" viewBox="0 0 {width} {y}" class="chart" font-family="inherit" fill="#222">'
        + "".join(parts) + "</svg>")


def _counts(queryset, key):
    return defaultdict(int, queryset.values_list(key).annotate(n=Count("trainee_id", distinct=True)).order_by())


def progress(year, key, labels_of, enrolments=None, *, employed_rows=None):
    """Per group (`key` path on Enrolment): enrolled, trained (finished classes), certified and
    employed trainees of the year, counted once each (optionally within `enrolments`).
    "Certified" and "employed" are the metrics every page reads (certification.selectors.certified,
    reporting.selectors.employed_enrolments); `employed_rows`, the year's employed roster rows,
    when the caller already has them."""
    enrolments = (enrolments if enrolments is not None else Enrolment.objects).filter(
        training_class__policy_year=year, is_withdrawn=False)
    enrolled = _counts(enrolments, key)
    trained = _counts(enrolments.filter(training_class__status__in=FINISHED), key)
    certified = _counts(enrolments.filter(certified_metric()), key)
    if employed_rows is None:
        employed_rows = employed_enrolments(year, within=enrolments)
    employed = defaultdict(set)
    # Only rows with an employment record can be employed: the group of each is read in one query.
    for value, pk in enrolments.filter(employment__isnull=False).values_list(key, "pk").distinct():
        if pk in employed_rows:
            employed[value].add(employed_rows[pk])
    return [(label, enrolled[value], trained[value], certified[value], len(employed[value]))
            for value, label in labels_of]


FIGURE_STEPS = 8


def figures(year, *, county=None, reporter=None):
    """Everything the dashboard shows for `year`: of one county's classes, townships and claims,
    or of the whole deployment (county None), which then also holds each county's headline
    figures when there are several (the province's public index). `reporter` (a background
    job's progress, common.jobs) hears of each of the FIGURE_STEPS steps as it begins."""
    def step(stage, index):
        if reporter is not None:
            reporter.step(stage, index, FIGURE_STEPS)

    def own(queryset, path):
        return queryset.filter(**{path: county}) if county is not None else queryset

    enrolments = own(Enrolment.objects, "training_class__county")
    step("统计就业人数", 0)
    employed_rows = employed_enrolments(year, within=enrolments if county is not None else None)
    step("统计年度任务进度", 1)
    # Task lines by name: a county's lines, or every county's lines of the same name added up.
    targets_by_line: dict[str, int] = {}
    for name, target in own(year.target_lines.order_by("sort_order", "pk"), "county").values_list(
            "name", "target_count"):
        targets_by_line[name] = targets_by_line.get(name, 0) + target
    by_line = progress(year, "training_class__target_line__name", [(name, name) for name in targets_by_line],
                       enrolments, employed_rows=employed_rows)
    by_line = [(name, targets_by_line[name], *rest) for name, *rest in by_line]

    step("统计乡镇任务进度", 2)
    targets = list(own(TownshipTarget.objects.filter(policy_year=year), "township__county")
                   .select_related("township").order_by("township_id"))
    registered = dict(own(Trainee.objects, "township__county").values_list("township_id").annotate(n=Count("pk"))
                      .order_by())
    by_town = progress(year, "trainee__township_id", [(t.township_id, t.township.name) for t in targets],
                       enrolments, employed_rows=employed_rows)
    by_township = [(name, t.target_count, registered.get(t.township_id, 0), *rest)
                   for (name, *rest), t in zip(by_town, targets, strict=True)]

    step("统计培训对象类别与职业", 3)
    by_category = progress(year, "category", TraineeCategory.choices, enrolments, employed_rows=employed_rows)
    occupations = list(year.occupations.order_by("industry", "name").values_list("pk", "name"))
    by_occupation = [row for row in progress(year, "training_class__occupation_id", occupations, enrolments,
                                             employed_rows=employed_rows) if row[1]]

    step("统计补贴金额", 4)
    claims = own(SubsidyClaim.objects.filter(training_class__policy_year=year), "training_class__county")
    approved = dict(claims.filter(approved_at__isnull=False).annotate(m=TruncMonth("approved_at"))
                    .values_list("m").annotate(t=Sum("total_amount")).order_by())
    paid = dict(claims.filter(status=ClaimStatus.PAID).annotate(m=TruncMonth("paid_at"))
                .values_list("m").annotate(t=Sum("total_amount")).order_by())
    money = [(month.strftime("%Y年%m月"), approved.get(month) or Decimal(0), paid.get(month) or Decimal(0))
             for month in sorted(set(approved) | set(paid))]

    step("统计培训班状态", 5)
    classes = own(TrainingClass.objects.filter(policy_year=year), "county")
    statuses = dict(classes.values_list("status").annotate(n=Count("pk")).order_by())
    by_status = [(label, statuses.get(value, 0)) for value, label in ClassStatus.choices]

    step("统计培训机构排行", 6)
    performance = dict(annual_performance(year, county_id=county.pk if county is not None else None))
    class_rates = defaultdict(list)
    for institution_id, rate in classes.filter(attendance_rate__isnull=False).values_list(
            "institution_id", "attendance_rate"):
        class_rates[institution_id].append(rate)
    attendance = {pk: mean_attendance_rate(rates) for pk, rates in class_rates.items()}
    money_paid = dict(claims.filter(status=ClaimStatus.PAID).values_list("institution_id")
                      .annotate(t=Sum("total_amount")).order_by())
    league = sorted(
        [(institution.name, p.completed, p.pass_rate, p.employment_rate, attendance.get(institution.pk),
          money_paid.get(institution.pk) or Decimal(0), p.keeps_eligibility)
         for institution, p in performance.items()],
        key=lambda row: (-(row[2] or 0), -(row[3] or 0)),
    )
    step("统计取证人数", 7)
    return {
        "lines": by_line, "townships": by_township, "categories": by_category, "occupations": by_occupation,
        "money": money, "statuses": by_status, "league": league,
        # People (not certificate rows) certified on the year's live rosters, as in the tables.
        "certificates": enrolments.filter(certified_metric(), training_class__policy_year=year,
                                          is_withdrawn=False).values("trainee_id").distinct().count(),
        # People employed on the year's live rosters (the metric of the tables), not job records.
        "employment": len(set(employed_rows.values())),
        "counties": by_county(year, claims, employed_rows) if county is None else [],
    }


def by_county(year, claims, employed_rows):
    """Each county's headline figures (code, name, task, enrolled, certified, employed, paid) when
    the deployment has more than one county: the province's public index and the supervisors'
    overview. Four grouped queries."""
    counties = list(County.objects.order_by("code").values_list("pk", "code", "name"))
    if len(counties) < 2:
        return []
    targets = dict(TargetLine.objects.filter(policy_year=year).values_list("county_id").annotate(t=Sum("target_count"))
                   .order_by())
    live = Enrolment.objects.filter(training_class__policy_year=year, is_withdrawn=False)
    enrolled = dict(live.values_list("training_class__county_id").annotate(n=Count("trainee_id", distinct=True))
                    .order_by())
    certified = dict(live.filter(certified_metric()).values_list("training_class__county_id")
                     .annotate(n=Count("trainee_id", distinct=True)).order_by())
    employed: dict[int, set[int]] = defaultdict(set)
    for county_id, pk in live.filter(employment__isnull=False).values_list("training_class__county_id", "pk").distinct():
        if pk in employed_rows:
            employed[county_id].add(employed_rows[pk])
    paid = dict(claims.filter(status=ClaimStatus.PAID).values_list("training_class__county_id")
                .annotate(t=Sum("total_amount")).order_by())
    return [(code, name, targets.get(pk, 0), enrolled.get(pk, 0), certified.get(pk, 0), len(employed[pk]),
             paid.get(pk) or Decimal(0)) for pk, code, name in counties]


def _encode(value):
    """JSON for the snapshot: Decimals kept exact ({"d": "1.23"}), tuples as lists."""
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _decode(value):
    if isinstance(value, dict):
        return Decimal(value["d"]) if set(value) == {"d"} else {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


_LOCK = 20180001  # the advisory-lock class of figure refreshes (the second key is the year)


def refresh(year, *, county=None, reporter=None):
    """Compute the year's figures (of `county`, else of the whole deployment) now and keep them as
    their snapshot. Returns (figures, when)."""
    started = time.perf_counter()
    encoded = _encode(figures(year, county=county, reporter=reporter))
    now = timezone.now()
    FigureSnapshot.objects.update_or_create(policy_year=year, county=county, defaults={
        "data": encoded, "computed_at": now, "seconds": round(time.perf_counter() - started, 3)})
    return _decode(encoded), now  # the same shapes as a snapshot read later


def _lock_key(year, county):
    """The second key of a refresh's advisory lock: one per year and county (0: the whole year)."""
    return year.pk * 10_000 + (county.pk if county is not None else 0)


@task()
def refresh_stale(year_pk: int, county_pk: int | None = None) -> str:
    """The stale figures of a year (of a county) too large to recompute inside a page's request,
    recomputed by the worker; one refresh at a time (on PostgreSQL a second one finds the lock
    taken)."""
    year = PolicyYear.objects.get(pk=year_pk)
    county = County.objects.get(pk=county_pk) if county_pk is not None else None
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_LOCK, _lock_key(year, county)])
            if not cursor.fetchone()[0]:
                return "skipped"
        refresh(year, county=county)
    return "refreshed"


def snapshot(year, county=None):
    """The year's figures (of `county`, else of the whole deployment) as last computed (one query),
    recomputed when missing or older than settings.FIGURES_MAX_AGE seconds. Returns (figures,
    when computed).

    Figures whose last computation took longer than settings.FIGURES_IN_REQUEST_SECONDS (a
    province's take over a minute, past any worker's timeout) are never recomputed inside a
    request: the page shows them with their time, and the refresh is queued for the worker, once
    per FIGURES_MAX_AGE."""
    row = FigureSnapshot.objects.filter(policy_year=year, county=county).first()
    county_pk = county.pk if county is not None else None
    if row is not None and timezone.now() - row.computed_at <= datetime.timedelta(seconds=settings.FIGURES_MAX_AGE):
        return _decode(row.data), row.computed_at
    if row is not None and row.seconds > settings.FIGURES_IN_REQUEST_SECONDS:
        if cache.add(f"figures-refresh-queued-{year.pk}-{county_pk}", 1, timeout=max(settings.FIGURES_MAX_AGE, 60)):
            refresh_stale.enqueue(year.pk, county_pk)
        return _decode(row.data), row.computed_at
    # One process recomputes; the others meanwhile serve the old figures, or, when there are
    # none yet, wait for that one and read what it wrote.
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if row is not None:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_LOCK, _lock_key(year, county)])
                if not cursor.fetchone()[0]:
                    return _decode(row.data), row.computed_at
            else:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK, _lock_key(year, county)])
                row = FigureSnapshot.objects.filter(policy_year=year, county=county).first()
                if row is not None:
                    return _decode(row.data), row.computed_at
        return refresh(year, county=county)


TABLES = {
    "lines": ("年度任务进度", ["任务类别", "任务人数", "参训", "结业", "取证", "就业(已核实)"]),
    "townships": ("乡镇任务进度", ["乡镇", "任务人数", "累计登记", "参训", "结业", "取证", "就业(已核实)"]),
    "categories": ("按培训对象类别", ["类别", "参训", "结业", "取证", "就业(已核实)"]),
    "occupations": ("按职业(工种)", ["职业(工种)", "参训", "结业", "取证", "就业(已核实)"]),
    "money": ("补贴金额按月(元)", ["月份", "审批金额", "拨付金额"]),
    "statuses": ("培训班状态", ["状态", "班数"]),
    "league": ("培训机构排行", ["培训机构", "结业人数", "合格率", "就业率", "平均到课率", "已拨付(元)", "保留下年资格"]),
    "counties": ("各县(市、区)", ["区划代码", "县(市、区)", "任务人数", "参训", "取证", "就业(已核实)", "已拨付(元)"]),
}


def charts(data):
    """The dashboard's and the public page's charts, each written with its table's formatter."""
    def column(table, index):
        return [row[index] for row in data[table]]

    def labels(table):
        return column(table, 0)

    return {
        "lines": bar_chart("年度任务进度", labels("lines"),
                           [("任务", column("lines", 1)), ("结业", column("lines", 3)), ("取证", column("lines", 4))]),
        "townships": bar_chart("乡镇任务进度", labels("townships"),
                               [("任务", column("townships", 1)), ("已登记", column("townships", 2)),
                                ("取证", column("townships", 5))]),
        "categories": bar_chart("按培训对象类别", labels("categories"),
                                [("参训", column("categories", 1)), ("取证", column("categories", 3))]),
        "money": bar_chart("补贴金额按月(元)", labels("money"),
                           [("审批", column("money", 1)), ("拨付", column("money", 2))], value_text=money_text),
        "league": bar_chart("培训机构合格率与就业率", labels("league"),
                            [("合格率", column("league", 2)), ("就业率", column("league", 3))],
                            value_text=rate_text, scale=lambda share: float(share)),
    }


# The rate columns of each exported table (0-based), written as the pages write them.
RATE_COLUMNS = {"league": (2, 3, 4)}


def export_rows(table, data):
    """The rows of `table` for its .xlsx: rates as the page and the chart show them ("28.5%")."""
    rates = RATE_COLUMNS.get(table, ())
    return [[rate_text(v) if i in rates else v for i, v in enumerate(row)] for row in data[table]]
