"""The township portal (/township/): a township's labour and social-security office."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_tasks import task

from accounts.decorators import role_required
from accounts.models import Role
from accounts.security import client_address
from certification.models import EvidenceKind
from certification.selectors import certified
from certification.views import EmploymentForm, save_employment
from common.excel import workbook_response, write_workbook
from common.formats.zh_Hans.formats import DATE_INPUT_FORMATS
from common.forms import add_refusal
from common.import_views import handle_import, template_response
from common.jobs import Outcome, run_job, start_job
from courses.policy import FINISHED_STATUSES
from courses.selectors import enrolments_visible_to, trainees_visible_to, vouchers_visible_to
from courses.services import issue_voucher as issue_voucher_service
from programme.models import TownshipTarget
from programme.selectors import current_policy_year
from reporting.dashboard import progress as progress_of
from subsidies.views import refusal_status
from trainees.forms import CategoryForm, RegistrationForm
from trainees.imports import TraineeRegistration
from trainees.models import TraineeCategory, ViewPlace
from trainees.policy import (
    looks_like_phone,
    mask_name,
    normalise_id_number,
    normalise_phone,
    phone_spellings,
)
from trainees.services import (
    AlreadyRegistered,
    add_category,
    end_category,
    register_trainee,
    reveal_id_number,
)

FINISHED = sorted(FINISHED_STATUSES)  # the statuses courses.policy declares finished
# Refusals of register_trainee about the ID number typed: shown under that field.
ID_NUMBER_CODES = {code: "id_number" for code in (
    "id_required", "id_not_text", "id_first_generation", "id_missing_check_digit", "id_length", "id_characters",
    "id_province", "id_birth_date", "id_checksum", "already_registered")}


def _progress(user, year):
    """The township's registered, enrolled, trained and certified trainees of the year."""
    in_year = Q(enrolments__training_class__policy_year=year, enrolments__is_withdrawn=False)
    return trainees_visible_to(user).aggregate(
        registered=Count("pk", distinct=True),
        enrolled=Count("pk", distinct=True, filter=in_year),
        trained=Count("pk", distinct=True, filter=in_year & Q(enrolments__training_class__status__in=FINISHED)),
        certified=Count("pk", distinct=True, filter=in_year & certified("enrolments__")),
    )


@role_required(Role.TOWNSHIP)
def home(request):
    """The township's name, its target for the year and progress, and its latest trainees."""
    township = request.user.profile.township
    year = current_policy_year()
    trainees = trainees_visible_to(request.user)
    target = TownshipTarget.objects.filter(township=township, policy_year=year).first() if year else None
    progress = _progress(request.user, year)
    latest = trainees.order_by("-pk")[:30]
    by_category = []
    if year is not None:
        registered = dict(trainees.filter(categories__held_until__isnull=True).values_list("categories__category")
                          .annotate(n=Count("pk", distinct=True)).order_by())
        by_category = [(label, registered.get(value, 0), *rest) for (label, *rest), (value, _) in zip(
            progress_of(year, "category", TraineeCategory.choices, enrolments_visible_to(request.user)),
            TraineeCategory.choices, strict=True)]
    return render(
        request,
        "trainees/home.html",
        {"township": township, "year": year, "target": target, "progress": progress, "trainees": latest,
         "by_category": by_category},
    )


@role_required(Role.TOWNSHIP)
def trainee_detail(request, pk):
    """One trainee of the township with their classes; another township's trainee is 404. The ID
    number is masked; a POST asks to see it in full, which is recorded (SPEC.md §2)."""
    trainee = get_object_or_404(trainees_visible_to(request.user).select_related("township"), pk=pk)
    full_id_number = None
    if request.method == "POST":
        full_id_number = reveal_id_number(trainee, by=request.user, place=ViewPlace.TOWNSHIP,
                                          address=client_address(request))
    return trainee_page(request, trainee, full_id_number=full_id_number)


def trainee_page(request, trainee, *, full_id_number=None, category_form=None, ending=None, ending_errors=(),
                 employment_form=None):
    """The township's page of one trainee; a refused category change or employment record comes
    back to it with each refusal beside the field it concerns (`ending`: the category whose end
    date was refused)."""
    enrolments = trainee.enrolments.select_related("training_class", "training_class__institution").order_by("-pk")
    return render(
        request,
        "trainees/trainee_detail.html",
        {
            "trainee": trainee,
            "full_id_number": full_id_number,
            "enrolments": enrolments,
            "categories": trainee.categories.all(),
            "certificates": trainee.certificates.select_related("occupation"),
            "vouchers": trainee.vouchers.order_by("-issued_on"),
            "finished": [e for e in enrolments if e.training_class.status in FINISHED and not e.is_withdrawn],
            "evidence_kinds": EvidenceKind.choices,
            "category_choices": TraineeCategory.choices,
            "category_form": category_form or CategoryForm(),
            "ending": ending, "ending_errors": ending_errors, "employment_form": employment_form,
        },
    )


@role_required(Role.TOWNSHIP)
def import_trainees(request):
    """学员登记 from the spreadsheet template, for the township's own trainees."""
    importer = TraineeRegistration(user=request.user)
    if request.GET.get("template"):
        return template_response(importer, "学员登记模板.xlsx")
    return handle_import(request, importer, kind="trainees", title="导入学员登记表",
                         back_url=reverse("trainees:home"))


def _township_list(user, what):
    """A township list's export: file name, title, headers, the rows' queryset and how a row is
    written (masked as on screen); None for a list that is not one of them."""
    township = user.profile.township
    if what == "trainees":
        return (f"{township.name}学员.xlsx", f"{township.name}登记学员",
                ["姓名", "身份证号", "性别", "年龄", "联系电话", "文化程度", "登记时间"],
                trainees_visible_to(user).order_by("pk"),
                lambda t: [t.name, t.masked_id_number, t.get_sex_display(), t.age, t.masked_phone,
                           t.get_education_display(), t.registered_at])
    if what == "vouchers":
        return (f"{township.name}培训券.xlsx", f"{township.name}培训券",
                ["券号", "持券人", "身份证号", "发放日期", "有效期至", "状态", "使用日期"],
                vouchers_visible_to(user).select_related("holder").order_by("-issued_on", "pk"),
                lambda v: [v.code, v.holder.name, v.holder.masked_id_number, v.issued_on, v.expires_on,
                           v.get_status_display(), v.redeemed_on])
    return None


@task()
def export_township_list(job_id: int) -> str:
    """A township list longer than EXPORT_BACKGROUND_ROWS, written by the worker for the official
    who asked (their own township's rows, read through the same scope)."""
    return run_job(job_id, _export_township_list)


def _export_township_list(job, progress):
    filename, title, headers, rows, row = _township_list(job.started_by, job.params["what"])
    total = job.params["rows"]
    content = write_workbook(headers, (row(obj) for obj in progress.over(rows.iterator(chunk_size=2000), total,
                                                                          "写入表格")), title=title)
    return Outcome(message=f"已导出{title}{total}行,请下载。", content=content, filename=filename)


@role_required(Role.TOWNSHIP)
def export(request, what):
    """The township's lists as .xlsx: trainees, vouchers, target progress (masked as on screen);
    a list longer than EXPORT_BACKGROUND_ROWS is written in the background, kept on the job's page."""
    township = request.user.profile.township
    listed = _township_list(request.user, what)
    if listed is not None:
        filename, title, headers, rows, row = listed
        count = rows.count()
        if count > settings.EXPORT_BACKGROUND_ROWS:
            job = start_job(export_township_list, user=request.user, kind="export", title=f"导出{title}({count}行)",
                            back_url=reverse("trainees:home"), params={"what": what, "rows": count})
            return redirect("jobs:detail", pk=job.pk)
        return workbook_response(filename, title, headers, [row(obj) for obj in rows])
    if what == "progress":
        year = current_policy_year()
        target = TownshipTarget.objects.filter(township=township, policy_year=year).first() if year else None
        progress = _progress(request.user, year)
        return workbook_response(f"{township.name}任务进度.xlsx", f"{township.name}{year.year if year else ''}年度任务进度",
                                 ["年度任务(人)", "已登记学员", "本年度参训", "本年度结业", "本年度取证"],
                                 [[target.target_count if target else "", progress["registered"], progress["enrolled"],
                                   progress["trained"], progress["certified"]]])
    raise Http404


@role_required(Role.TOWNSHIP)
def register(request):
    """Register a trainee from the ID card; a person registered anywhere is shown, not duplicated."""

    township = request.user.profile.township
    form = RegistrationForm(request.POST or None)
    existing = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            trainee = register_trainee(by=request.user, township=township, id_number=data["id_number"],
                                       name=data["name"], phone=data["phone"], category=data["category"],
                                       held_from=data["held_from"], education=data["education"],
                                       address=data["address"])
        except AlreadyRegistered as error:
            existing = error.trainee
            form.add_error("id_number", error)
        except ValidationError as error:
            add_refusal(form, error, ID_NUMBER_CODES)
        else:
            messages.success(request, f"已登记学员{trainee.name}。")
            return redirect("trainees:trainee-detail", pk=trainee.pk)
    return render(request, "trainees/register.html", {
        "form": form, "township": township, "existing": existing,
        "existing_is_ours": existing is not None and existing.township_id == township.pk,
        "existing_masked_name": mask_name(existing.name) if existing else "",
    })


@role_required(Role.TOWNSHIP)
def trainee_list(request):
    """The township's trainees, masked; search by name (GET) or by full ID number or phone (POST,
    so the number never appears in a URL or a log). A number typed into the name box is refused,
    not searched (SPEC.md §2)."""
    trainees = trainees_visible_to(request.user).order_by("-pk")
    query = request.GET.get("q", "").strip()
    if looks_like_phone(query):
        messages.error(request, "为保护个人信息,身份证号、手机号不能出现在网址中:请用“身份证号或手机号”框查找。")
        return redirect("trainees:trainee-list")
    number = request.POST.get("id_number", "").strip() if request.method == "POST" else ""
    if number:
        phone = normalise_phone(number)
        if len(normalise_id_number(number)) == 18:
            trainees = trainees.by_id_number(number)
        elif phone:
            trainees = trainees.filter(phone__in=phone_spellings(phone))
        else:
            trainees = trainees.none()
    elif query:
        trainees = trainees.filter(name__contains=query)
    return render(request, "trainees/trainee_list.html", {"trainees": trainees[:200], "q": query,
                                                           "searched_id": bool(number)})


@role_required(Role.TOWNSHIP)
def categories(request, pk):
    """Add an eligible category to a trainee of the township, or end one; a refusal comes back
    to the trainee's page beside the field it concerns."""

    trainee = get_object_or_404(trainees_visible_to(request.user).select_related("township"), pk=pk)
    if request.method != "POST":
        return redirect("trainees:trainee-detail", pk=trainee.pk)
    if request.POST.get("end"):
        membership = get_object_or_404(trainee.categories, pk=request.POST["end"])
        try:
            held_until = forms.DateField(input_formats=DATE_INPUT_FORMATS, required=False).clean(
                request.POST.get("held_until", "")) or timezone.localdate()
            end_category(membership, by=request.user, held_until=held_until)
        except ValidationError as error:
            return trainee_page(request, trainee, ending=membership.pk, ending_errors=error.messages)
    else:
        form = CategoryForm(request.POST)
        if not form.is_valid():
            return trainee_page(request, trainee, category_form=form)
        try:
            add_category(trainee, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_refusal(form, error, {"dates_ordered": "held_from", "unique": "held_from"})
            return trainee_page(request, trainee, category_form=form)
    messages.success(request, "培训对象类别已更新。")
    return redirect("trainees:trainee-detail", pk=trainee.pk)


@require_POST
@role_required(Role.TOWNSHIP)
def issue_voucher(request, pk):
    """A township official issues a training voucher to one of the township's trainees (四(三))."""
    trainee = get_object_or_404(trainees_visible_to(request.user), pk=pk)
    year = current_policy_year()
    try:
        voucher = issue_voucher_service(trainee, by=request.user, policy_year=year, today=timezone.localdate())
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        response = trainee_page(request, trainee)
        response.status_code = refusal_status(error)
        return response
    messages.success(request, f"已发放培训券 {voucher.code},有效期至{voucher.expires_on:%Y年%m月%d日}。")
    return redirect("trainees:trainee-detail", pk=pk)


@require_POST
@role_required(Role.TOWNSHIP)
def township_employment(request, pk):
    """A township official records employment of one of the township's trainees after one of
    their classes; another township's trainee or roster row is 404."""
    trainee = get_object_or_404(trainees_visible_to(request.user), pk=pk)
    enrolments = enrolments_visible_to(request.user).filter(trainee=trainee).select_related("trainee")
    form = EmploymentForm(request.POST, request.FILES, enrolments=enrolments)
    if form.is_valid() and save_employment(request, form):
        return redirect("trainees:trainee-detail", pk=trainee.pk)
    return trainee_page(request, trainee, employment_form=form)
