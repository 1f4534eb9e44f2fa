from django.apps import AppConfig


class CommonConfig(AppConfig):
    """The shared plumbing: the spreadsheet pipeline and its upload guard, the Excel writer, bulk
    inserts, masking, stored documents and the admin helpers. It imports no other app of the
    project (docs/architecture.md)."""

    name = "common"
    verbose_name = "数据导入"
