"""The public page (《实施方案》五(三)) and the online objection form: read by anyone, no sign-in."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import public
from accounts.security import client_address
from common.forms import add_refusal
from common.routers import reads_from_replica
from institutions.models import InstitutionYear
from programme.models import County, CountyYear, PolicyYear
from programme.selectors import current_policy_year, year_asked
from reporting import dashboard
from reporting import public as public_selectors
from subsidies.models import ClaimStatus, SubsidyClaim


def _asked_year(request):
    asked = year_asked(request.GET.get("year", ""))
    return PolicyYear.objects.filter(year=asked).first() if asked is not None else current_policy_year()


@public
@require_GET
@reads_from_replica
def public_home(request):
    """The public page: in a deployment of several counties the province's index, each county's
    headline figures with a link to its page (public_county); in a one-county deployment that
    county's page itself."""
    counties = list(County.objects.order_by("code")[:2])
    if len(counties) < 2:
        return _county_page(request, None)
    year = _asked_year(request)
    data, computed_at = dashboard.snapshot(year) if year is not None else ({}, None)
    return render(request, "public/province.html", {
        "year": year, "years": PolicyYear.objects.values_list("year", flat=True), "computed_at": computed_at,
        "counties": data.get("counties", []),
    })


@public
@require_GET
@reads_from_replica
def public_county(request, code):
    """One county's public page (`/public/<GB/T 2260 code>/`)."""
    return _county_page(request, get_object_or_404(County, code=code))


def _county_page(request, county):
    """Aggregate figures for public supervision (《实施方案》五(三)) of `county` (None: the one county
    of the deployment): targets and results by target line, category and township, the listed
    institutions with their pass and employment rates, money paid by institution and occupation,
    the year's occupation catalogue, the published evaluation plans, the small/micro enterprise
    subsidies paid, and the claims on public notice (R19) with masked names and ID numbers, each
    line with its public reference and how to object. Never a full name, a full ID number, a
    phone, an address or a household status."""
    year = _asked_year(request)
    context = {"year": year, "years": PolicyYear.objects.values_list("year", flat=True), "county": county,
               "brand_name": county.name if county is not None else ""}
    if year is not None:
        data, computed_at = dashboard.snapshot(year, county)
        paid = SubsidyClaim.objects.filter(training_class__policy_year=year, status=ClaimStatus.PAID)
        listed = InstitutionYear.objects.filter(policy_year=year, is_listed=True).select_related("institution")
        annual_target = year.annual_target
        if county is not None:
            paid = paid.filter(training_class__county=county)
            listed = listed.filter(county=county)
            own = CountyYear.objects.filter(county=county, policy_year=year).values_list("annual_target", flat=True)
            annual_target = own.first() or sum(line[1] for line in data["lines"])
        league = {row[0]: row for row in data["league"]}
        notices_page, notices = public_selectors.notices(year, request.GET.get("notices", 1),
                                                         today=timezone.localdate(), county=county)
        enterprises = public_selectors.small_enterprise_subsidies_paid(year, county=county)
        context.update({
            "annual_target": annual_target,
            "data": data, "charts": dashboard.charts(data), "computed_at": computed_at,
            "institutions": [(row.institution.name, row.is_disqualified, league.get(row.institution.name))
                             for row in listed.order_by("institution__name")],
            "paid_by_institution": paid.values_list("institution__name").annotate(t=Sum("total_amount"))
            .order_by("institution__name"),
            "paid_by_occupation": paid.values_list("training_class__occupation__name").annotate(t=Sum("total_amount"))
            .order_by("training_class__occupation__name"),
            "paid_total": paid.aggregate(t=Sum("total_amount"))["t"] or 0,
            "notices": notices, "notices_page": notices_page,
            "catalogue": public_selectors.catalogue(year),
            "plans": public_selectors.published_evaluation_plans(year),
            "enterprises": enterprises,
            "enterprises_hires": sum(row.hires for row in enterprises),
            "enterprises_total": sum((row.amount for row in enterprises), 0),
        })
    return render(request, "public/home.html", context)


class PublicObjectionForm(forms.Form):
    """A member of the public's objection to a line on notice (R19); the rules are those of
    reporting.public, which the service applies again."""

    reference = forms.CharField(label="公示编号", max_length=40, error_messages={
        "required": "请填写公示编号:公示名单中每名学员旁都有一个公示编号(如 GS12-345)。"})
    reason = forms.CharField(label="异议内容", max_length=2000, error_messages={
        "required": "请填写异议内容:说明该学员哪一点与公示不符。"})
    phone = forms.CharField(label="联系电话", max_length=40, error_messages={
        "required": "请填写联系电话:县人社局核查时联系您,不会公开。"})

    def clean_reason(self):
        return public_selectors.clean_reason(self.cleaned_data["reason"])

    def clean_phone(self):
        return public_selectors.clean_phone(self.cleaned_data["phone"])


@public
@never_cache
@require_http_methods(["GET", "POST"])
def public_objection(request):
    """GET: the form, the public reference filled in from ?ref= (a link beside each line on
    notice) when it is one. POST: count the attempt against the address's hourly limit (429 past
    it), record the objection for county HR (reporting.public.submit_public_objection) and answer
    with a confirmation that repeats nothing that was sent; a refusal (400) shows the form again
    with the reference and the reason, never the phone. CSRF-protected by the middleware."""
    year = current_policy_year()
    status = 200
    if request.method == "POST":
        form = PublicObjectionForm(request.POST)
        try:
            public_selectors.ensure_objection_not_throttled(address=client_address(request), now=timezone.now())
            if form.is_valid():
                public_selectors.submit_public_objection(
                    reference=form.cleaned_data["reference"], reason=form.cleaned_data["reason"],
                    phone=form.cleaned_data["phone"], today=timezone.localdate())
                return render(request, "public/objection_received.html", {"year": year})
        except ValidationError as error:
            add_refusal(form, error, {"not_on_notice": "reference", "reason_length": "reason",
                                      "phone_invalid": "phone"})
            status = OBJECTION_STATUS_OF_CODE.get(error.code, 400) if hasattr(error, "code") else 400
        else:
            status = 400
    else:
        asked = public_selectors.parse_reference(request.GET.get("ref", "")[:40])
        initial = {"reference": public_selectors.line_reference(claim_id=asked[0], line_id=asked[1])} if asked else {}
        form = PublicObjectionForm(initial=initial)
    return render(request, "public/objection.html", {
        "form": form, "year": year, "min_chars": public_selectors.REASON_MIN_CHARS,
        "max_chars": public_selectors.REASON_MAX_CHARS,
    }, status=status)


# What each refusal answers with; every other refusal is 400.
OBJECTION_STATUS_OF_CODE = {"too_many_objections": 429}
