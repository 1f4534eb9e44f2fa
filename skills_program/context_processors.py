"""What every page names: the deployment (a county, or a province serving every county)."""

from django.conf import settings


def deployment(request):
    """`deployment_name`: the county (COUNTY_NAME) of a one-county deployment, or what
    DEPLOYMENT_NAME says for a province's (e.g. 山西省); a page about one county names it instead
    (`brand_name`)."""
    return {"deployment_name": settings.DEPLOYMENT_NAME}
