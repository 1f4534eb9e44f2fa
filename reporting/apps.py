from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """What is read across the programme: the dashboard and its figures, the public page, the
    supervision checks and flags' detection, the annual review of institutions and the clerks'
    to-do list. It sits above the domain apps (docs/architecture.md)."""

    name = "reporting"
    verbose_name = "统计与监督"
