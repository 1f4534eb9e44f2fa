"""`manage.py detect_flags`: run the supervision checks (《实施方案》三(七) 系统监测); schedule it nightly."""

from django.core.management.base import BaseCommand

from reporting.flags import detect_flags


class Command(BaseCommand):
    help = "运行异常监测,把新发现的异常记入「异常提示」供县人社局核查。"

    def handle(self, *args, **options):
        self.stdout.write(f"新发现异常 {detect_flags()} 条。")
