"""Before one unused voucher per holder and year is enforced (R14, 四(三)): where a double
submission left a holder two or more unused vouchers of one year, the first issued stays and
the later ones are cancelled, each with a line in the voucher's history saying why."""

from django.db import migrations
from django.db.models import Count
from django.utils import timezone

REASON = "作废:同一学员同一年度重复发放的培训券(系统清理,保留最先发放的一张)"


def cancel_duplicates(apps, schema_editor):
    Voucher = apps.get_model("subsidies", "Voucher")
    HistoricalVoucher = apps.get_model("subsidies", "HistoricalVoucher")
    doubled = (Voucher.objects.filter(status="issued").values("holder_id", "policy_year_id")
               .annotate(n=Count("pk")).filter(n__gt=1))
    now = timezone.now()
    for group in doubled:
        later = Voucher.objects.filter(status="issued", holder_id=group["holder_id"],
                                       policy_year_id=group["policy_year_id"]).order_by("issued_on", "pk")[1:]
        for voucher in later:
            voucher.status = "cancelled"
            voucher.save(update_fields=["status"])
            HistoricalVoucher.objects.create(
                id=voucher.pk, code=voucher.code, holder_id=voucher.holder_id, township_id=voucher.township_id,
                policy_year_id=voucher.policy_year_id, issued_on=voucher.issued_on, expires_on=voucher.expires_on,
                status=voucher.status, enrolment_id=voucher.enrolment_id, redeemed_on=voucher.redeemed_on,
                issued_by_id=voucher.issued_by_id, history_date=now, history_type="~",
                history_change_reason=REASON,
            )


class Migration(migrations.Migration):

    dependencies = [
        ("subsidies", "0003_drop_duplicate_prefix_indexes"),
    ]

    operations = [
        # Nothing to undo: the cancelled vouchers were duplicates and stay cancelled.
        migrations.RunPython(cancel_duplicates, migrations.RunPython.noop),
    ]
