from django.apps import AppConfig


class ToolsConfig(AppConfig):
    """The demo county, the data generator, the benchmarks and the rules table: commands run by
    people who set up, measure or document the product, never by its users."""

    name = "tools"
    verbose_name = "演示与测量工具"
