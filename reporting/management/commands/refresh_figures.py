"""`manage.py refresh_figures`: recompute the dashboard's and the public page's figures of the
current policy year (or --year), of the whole deployment and of each county, so that no visitor
waits for them. Run it from cron every few
minutes, on one machine (README "Running it in production")."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from programme.models import County, PolicyYear
from programme.selectors import current_policy_year
from reporting import dashboard


class Command(BaseCommand):
    help = "重新计算工作台和公开页面的统计数字(当前政策年度,或 --year 指定的年度)。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int)

    def handle(self, *args, **options):
        year = PolicyYear.objects.filter(year=options["year"]).first() if options["year"] else current_policy_year()
        if year is None:
            raise CommandError("没有这个政策年度。")
        _, when = dashboard.refresh(year)
        seconds = year.figure_snapshots.get(county=None).seconds
        when = timezone.localtime(when)
        self.stdout.write(f"{year.year}年度统计已更新({when:%Y-%m-%d %H:%M:%S},用时 {seconds:.1f} 秒)。")
        counties = list(County.objects.order_by("code"))
        if len(counties) > 1:  # each county's own figures (its dashboard and public page)
            started = time.perf_counter()
            for county in counties:
                dashboard.refresh(year, county=county)
            self.stdout.write(f"{len(counties)}个县(市、区)的统计已更新(用时 {time.perf_counter() - started:.1f} 秒)。")
