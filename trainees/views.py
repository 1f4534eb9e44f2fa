"""The township portal (/township/): a township's labour and social-security office."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from accounts.decorators import role_required
from accounts.models import Role
from certification.models import EvidenceKind
from courses.models import ClassStatus
from skills_program.models import TownshipTarget
from skills_program.selectors import current_policy_year
from trainees.selectors import trainees_visible_to

FINISHED = [ClassStatus.COMPLETED, ClassStatus.CLOSED]


@role_required(Role.TOWNSHIP)
def home(request):
    """The township's name, its target for the year and progress, and its latest trainees."""
    township = request.user.profile.township
    year = current_policy_year()
    trainees = trainees_visible_to(request.user)
    target = TownshipTarget.objects.filter(township=township, policy_year=year).first() if year else None
    in_year = Q(enrolments__training_class__policy_year=year, enrolments__is_withdrawn=False)
    progress = trainees.aggregate(
        registered=Count("pk", distinct=True),
        enrolled=Count("pk", distinct=True, filter=in_year),
        trained=Count("pk", distinct=True, filter=in_year & Q(enrolments__training_class__status__in=FINISHED)),
        certified=Count(
            "pk", distinct=True, filter=in_year & Q(certificates__occupation__policy_year=year)
        ),
    )
    latest = trainees.order_by("-pk")[:30]
    return render(
        request,
        "trainees/home.html",
        {"township": township, "year": year, "target": target, "progress": progress, "trainees": latest},
    )


@role_required(Role.TOWNSHIP)
def trainee_detail(request, pk):
    """One trainee of the township with their classes; another township's trainee is 404."""
    trainee = get_object_or_404(trainees_visible_to(request.user).select_related("township"), pk=pk)
    enrolments = trainee.enrolments.select_related("training_class", "training_class__institution").order_by("-pk")
    return render(
        request,
        "trainees/trainee_detail.html",
        {
            "trainee": trainee,
            "enrolments": enrolments,
            "categories": trainee.categories.all(),
            "certificates": trainee.certificates.select_related("occupation"),
            "vouchers": trainee.vouchers.order_by("-issued_on"),
            "finished": [e for e in enrolments if e.training_class.status in FINISHED and not e.is_withdrawn],
            "evidence_kinds": EvidenceKind.choices,
        },
    )


@role_required(Role.TOWNSHIP)
def import_trainees(request):
    """学员登记 from the spreadsheet template, for the township's own trainees."""
    from skills_program.import_views import handle_import, template_response
    from trainees.imports import TraineeRegistration

    importer = TraineeRegistration(user=request.user)
    if request.GET.get("template"):
        return template_response(importer, "学员登记模板.xlsx")
    return handle_import(request, importer, kind="trainees", title="导入学员登记表",
                         back_url=reverse("trainees:home"))
