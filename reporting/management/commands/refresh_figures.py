"""`manage.py refresh_figures`: recompute the dashboard's and the public page's figures of the
current policy year (or --year), so that no visitor waits for them. Run it from cron every few
minutes, on one machine (README "Running it in production")."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from programme.models import PolicyYear
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
        seconds = year.figure_snapshot.seconds
        when = timezone.localtime(when)
        self.stdout.write(f"{year.year}年度统计已更新({when:%Y-%m-%d %H:%M:%S},用时 {seconds:.1f} 秒)。")
