from django.apps import AppConfig


class PortalsConfig(AppConfig):
    """The portals' pages that gather several apps: the township's and the institution's home
    pages, a trainee's page, the scoped document downloads (docs/architecture.md)."""

    name = "portals"
    verbose_name = "门户"
