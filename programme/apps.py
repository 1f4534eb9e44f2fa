from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    """The programme's year: policy years and their parameters, townships and their targets,
    working days. It imports only the shared plumbing (docs/architecture.md)."""

    name = "programme"
    verbose_name = "年度政策与乡镇"
