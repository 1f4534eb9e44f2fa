"""The HR dashboard: the year's progress, money and institutions as tables with server-side SVG
charts (no JavaScript, no CDN), each table exportable to .xlsx. Every figure is one grouped
query, so the page costs the same whatever the county's size."""

from collections import defaultdict
from decimal import Decimal
from xml.sax.saxutils import escape

from django.db import connection, transaction
from django.db.models import Avg, Count, Sum
from django.db.models.functions import TruncMonth
from django.utils.safestring import mark_safe

from certification.models import Certificate, EmploymentRecord
from courses.models import ClassStatus, Enrolment, TrainingClass
from subsidies.models import ClaimStatus, SubsidyClaim
from trainees.models import Trainee, TraineeCategory

FINISHED = [ClassStatus.COMPLETED, ClassStatus.CLOSED]
COLOURS = ["#b71c1c", "#ef6c00", "#2e7d32", "#1565c0", "#6a1b9a"]


def bar_chart(title, labels, series):
    """Horizontal grouped bars as inline SVG: `series` is [(name, [value per label])]."""
    row_height, bar, left, width = 14 * max(1, len(series)) + 10, 12, 150, 420
    top = 24 + 16
    height = top + row_height * len(labels) + 10
    peak = max([float(v or 0) for _, values in series for v in values] + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
             f'viewBox="0 0 {left + width + 80} {height}" class="chart">',
             f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>']
    for i, (name, _) in enumerate(series):
        x = left + i * 110
        parts.append(f'<rect x="{x}" y="26" width="10" height="10" fill="{COLOURS[i % len(COLOURS)]}"/>'
                     f'<text x="{x + 14}" y="35" font-size="11">{escape(name)}</text>')
    for row, label in enumerate(labels):
        y = top + row * row_height
        parts.append(f'<text x="{left - 6}" y="{y + row_height / 2 + 4}" font-size="11" text-anchor="end">'
                     f'{escape(str(label))}</text>')
        for i, (_, values) in enumerate(series):
            value = float(values[row] or 0)
            length = width * value / peak
            by = y + 4 + i * 14
            parts.append(f'<rect x="{left}" y="{by}" width="{length:.1f}" height="{bar}" '
                         f'fill="{COLOURS[i % len(COLOURS)]}"><title>{escape(str(label))} {value:g}</title></rect>'
                         f'<text x="{left + length + 4:.1f}" y="{by + 10}" font-size="10">{value:g}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _counts(queryset, key):
    return defaultdict(int, queryset.values_list(key).annotate(n=Count("trainee_id", distinct=True)).order_by())


def progress(year, key, labels_of, enrolments=None):
    """Per group (`key` path on Enrolment): enrolled, trained (finished classes), certified and
    employed trainees of the year, counted once each (optionally within `enrolments`)."""
    enrolments = (enrolments if enrolments is not None else Enrolment.objects).filter(
        training_class__policy_year=year, is_withdrawn=False)
    enrolled = _counts(enrolments, key)
    trained = _counts(enrolments.filter(training_class__status__in=FINISHED), key)
    certified = _counts(enrolments.filter(certificates__isnull=False), key)
    employed = _counts(enrolments.filter(employment__verified_at__isnull=False), key)
    return [(label, enrolled[value], trained[value], certified[value], employed[value]) for value, label in labels_of]


def figures(year):
    """Everything the dashboard shows for `year`."""
    from institutions.selectors import annual_performance
    from skills_program.models import TownshipTarget

    lines = [(line.pk, line.name, line.target_count) for line in year.target_lines.all()]
    by_line = progress(year, "training_class__target_line_id", [(pk, name) for pk, name, _ in lines])
    by_line = [(name, target, *rest) for (name, *rest), (_, _, target) in zip(by_line, lines, strict=True)]

    targets = list(TownshipTarget.objects.filter(policy_year=year).select_related("township").order_by("township_id"))
    registered = dict(Trainee.objects.values_list("township_id").annotate(n=Count("pk")).order_by())
    by_town = progress(year, "trainee__township_id", [(t.township_id, t.township.name) for t in targets])
    by_township = [(name, t.target_count, registered.get(t.township_id, 0), *rest)
                   for (name, *rest), t in zip(by_town, targets, strict=True)]

    by_category = progress(year, "category", TraineeCategory.choices)
    occupations = list(year.occupations.order_by("industry", "name").values_list("pk", "name"))
    by_occupation = [row for row in progress(year, "training_class__occupation_id", occupations) if row[1]]

    claims = SubsidyClaim.objects.filter(training_class__policy_year=year)
    approved = dict(claims.filter(approved_at__isnull=False).annotate(m=TruncMonth("approved_at"))
                    .values_list("m").annotate(t=Sum("total_amount")).order_by())
    paid = dict(claims.filter(status=ClaimStatus.PAID).annotate(m=TruncMonth("paid_at"))
                .values_list("m").annotate(t=Sum("total_amount")).order_by())
    money = [(month.strftime("%Y年%m月"), approved.get(month) or Decimal(0), paid.get(month) or Decimal(0))
             for month in sorted(set(approved) | set(paid))]

    statuses = dict(TrainingClass.objects.filter(policy_year=year).values_list("status").annotate(n=Count("pk"))
                    .order_by())
    by_status = [(label, statuses.get(value, 0)) for value, label in ClassStatus.choices]

    performance = dict(annual_performance(year))
    attendance = dict(TrainingClass.objects.filter(policy_year=year, attendance_rate__isnull=False)
                      .values_list("institution_id").annotate(a=Avg("attendance_rate")).order_by())
    money_paid = dict(claims.filter(status=ClaimStatus.PAID).values_list("institution_id")
                      .annotate(t=Sum("total_amount")).order_by())
    league = sorted(
        [(institution.name, p.completed, p.pass_rate, p.employment_rate, attendance.get(institution.pk),
          money_paid.get(institution.pk) or Decimal(0), p.keeps_eligibility)
         for institution, p in performance.items()],
        key=lambda row: (-(row[2] or 0), -(row[3] or 0)),
    )
    return {
        "lines": by_line, "townships": by_township, "categories": by_category, "occupations": by_occupation,
        "money": money, "statuses": by_status, "league": league,
        # People (not certificate rows) certified on the year's live rosters, as in the tables.
        "certificates": Certificate.objects.filter(enrolment__training_class__policy_year=year,
                                                   enrolment__is_withdrawn=False)
        .values("trainee_id").distinct().count(),
        "employment": EmploymentRecord.objects.filter(enrolment__training_class__policy_year=year).count(),
    }


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


def refresh(year):
    """Compute the year's figures now and keep them as its snapshot. Returns (figures, when)."""
    import time

    from django.utils import timezone

    from skills_program.models import FigureSnapshot

    started = time.perf_counter()
    encoded = _encode(figures(year))
    now = timezone.now()
    FigureSnapshot.objects.update_or_create(policy_year=year, defaults={
        "data": encoded, "computed_at": now, "seconds": round(time.perf_counter() - started, 3)})
    return _decode(encoded), now  # the same shapes as a snapshot read later


def snapshot(year):
    """The year's figures as last computed (one query), recomputed when missing or older than
    settings.FIGURES_MAX_AGE seconds. Returns (figures, when computed)."""
    import datetime

    from django.conf import settings
    from django.utils import timezone

    from skills_program.models import FigureSnapshot

    row = FigureSnapshot.objects.filter(policy_year=year).first()
    if row is not None and timezone.now() - row.computed_at <= datetime.timedelta(seconds=settings.FIGURES_MAX_AGE):
        return _decode(row.data), row.computed_at
    # One process recomputes; the others meanwhile serve the old figures, or, when there are
    # none yet, wait for that one and read what it wrote.
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if row is not None:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_LOCK, year.pk])
                if not cursor.fetchone()[0]:
                    return _decode(row.data), row.computed_at
            else:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK, year.pk])
                row = FigureSnapshot.objects.filter(policy_year=year).first()
                if row is not None:
                    return _decode(row.data), row.computed_at
        return refresh(year)


TABLES = {
    "lines": ("年度任务进度", ["任务类别", "任务人数", "参训", "结业", "取证", "就业(已核实)"]),
    "townships": ("乡镇任务进度", ["乡镇", "任务人数", "累计登记", "参训", "结业", "取证", "就业(已核实)"]),
    "categories": ("按培训对象类别", ["类别", "参训", "结业", "取证", "就业(已核实)"]),
    "occupations": ("按职业(工种)", ["职业(工种)", "参训", "结业", "取证", "就业(已核实)"]),
    "money": ("补贴金额按月(元)", ["月份", "审批金额", "拨付金额"]),
    "statuses": ("培训班状态", ["状态", "班数"]),
    "league": ("培训机构排行", ["培训机构", "结业人数", "合格率", "就业率", "平均到课率", "已拨付(元)", "保留下年资格"]),
}


def charts(data):
    return {
        "lines": bar_chart("年度任务进度", [r[0] for r in data["lines"]],
                           [("任务", [r[1] for r in data["lines"]]), ("结业", [r[3] for r in data["lines"]]),
                            ("取证", [r[4] for r in data["lines"]])]),
        "townships": bar_chart("乡镇任务进度", [r[0] for r in data["townships"]],
                               [("任务", [r[1] for r in data["townships"]]), ("已登记", [r[2] for r in data["townships"]]),
                                ("取证", [r[5] for r in data["townships"]])]),
        "categories": bar_chart("按培训对象类别", [r[0] for r in data["categories"]],
                                [("参训", [r[1] for r in data["categories"]]), ("取证", [r[3] for r in data["categories"]])]),
        "money": bar_chart("补贴金额按月(元)", [r[0] for r in data["money"]],
                           [("审批", [r[1] for r in data["money"]]), ("拨付", [r[2] for r in data["money"]])]),
        "league": bar_chart("培训机构合格率与就业率(%)", [r[0] for r in data["league"]],
                            [("合格率", [float(r[2] or 0) * 100 for r in data["league"]]),
                             ("就业率", [float(r[3] or 0) * 100 for r in data["league"]])]),
    }
