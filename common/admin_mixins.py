"""Shared admin behaviour for the HR back office."""

import dataclasses
import re
import secrets
import unicodedata
from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import label_for_field, lookup_field, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage, Paginator
from django.db import connections, transaction
from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django_tasks import task
from simple_history.admin import SimpleHistoryAdmin

from common.excel import workbook_response, write_workbook
from common.jobs import Outcome, queryset_from, run_job, signed_query, start_job
from common.personal_data import (
    looks_like_phone,
    mask_id_number,
    mask_phone,
    normalise_id_number,
    normalise_phone,
    phone_spellings,
)

_ID_LIKE = re.compile(r"^[0-9]{17}[0-9X]$")


class IdNumberSearchMixin:
    """Search by resident ID number, or phone, without the number ever appearing in a URL
    (SPEC.md §2).

    The list page carries a second search box that POSTs the number; it is kept in the session
    under a random token and the list is shown at `?_idq=<token>`. An ID number is matched exactly
    through the unique index (full-width digits, spaces and a lower-case x normalised first). On
    lists that search a phone (`phone_lookup`), the same box takes a phone typed with +86, spaces
    or dashes, matched exactly against the ways it may have been stored. An ID number typed into
    the ordinary (GET) search box is not searched, nor, on those lists, a run of 7 or more digits:
    the page says to use the other box. Names and other terms search through `search_fields`.
    """

    id_number_lookup = "id_number"
    phone_lookup: str | None = None
    _session_key = "admin_id_searches"

    @property
    def _private_search_label(self):
        return "按身份证号或手机号查询" if self.phone_lookup else "按身份证号查询"

    def _private_term(self, text):
        """The POSTed number as searched: an ID number, a phone (digits) or "" if neither."""
        term = normalise_id_number(text)
        if _ID_LIKE.match(term):
            return term
        return normalise_phone(text) if self.phone_lookup else ""

    def changelist_view(self, request, extra_context=None):
        label = self._private_search_label
        if request.method == "POST" and "_id_search" in request.POST:
            term = self._private_term(request.POST.get("_id_search", ""))
            if not term:
                wanted = "18位身份证号(最后一位可以是X)或手机号" if self.phone_lookup else "18位身份证号(最后一位可以是X)"
                messages.error(request, f"请输入{wanted};按姓名查询请用上方的搜索框。")
                return HttpResponseRedirect(request.path)
            token = secrets.token_urlsafe(8)
            searches = dict(list(request.session.get(self._session_key, {}).items())[-9:])
            searches[token] = term
            request.session[self._session_key] = searches
            return HttpResponseRedirect(f"{request.path}?_idq={token}")
        typed = request.GET.get("q", "")
        if _ID_LIKE.match(normalise_id_number(typed)):
            messages.error(request, f"为保护个人信息,身份证号不能出现在网址中:请用“{label}”框查询。")
            return HttpResponseRedirect(request.path)
        if self.phone_lookup and looks_like_phone(typed):
            messages.error(request, f"为保护个人信息,手机号等7位以上的号码不能出现在网址中:请用“{label}”框查询。")
            return HttpResponseRedirect(request.path)
        token = request.GET.get("_idq")
        if token is not None:
            request._id_number_term = request.session.get(self._session_key, {}).get(token, "")
            request.GET = request.GET.copy()
            del request.GET["_idq"]
        term = getattr(request, "_id_number_term", "")
        if _ID_LIKE.match(term):
            shown = f"身份证号 {mask_id_number(term)}"
        else:
            shown = f"手机号 {mask_phone(term)}" if term else ""
        return super().changelist_view(request, extra_context={
            **(extra_context or {}),
            "id_search": True,
            "id_search_label": label,
            "id_search_placeholder": "18位身份证号或手机号" if self.phone_lookup else "18位身份证号",
            "id_search_term": shown,
        })

    def get_search_results(self, request, queryset, search_term):
        term = getattr(request, "_id_number_term", None)
        if term is not None:
            if _ID_LIKE.match(term) or not self.phone_lookup:
                return queryset.filter(**{self.id_number_lookup: term}), False
            return queryset.filter(**{f"{self.phone_lookup}__in": phone_spellings(term)}), False
        if self.phone_lookup and looks_like_phone(search_term):
            return queryset.none(), False  # a GET search (e.g. autocomplete) never searches by phone
        return super().get_search_results(request, queryset, search_term)


class ReadOnlyAdminMixin:
    """Records that change only through the services (rosters, sessions, attendance, claim lines,
    class decisions: the rules are checked there); HR sees and audits them in the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NoDeleteMixin:
    """Money and its evidence are never deleted (三(七) 杜绝弄虚作假): they are voided, returned or
    rejected through the services, which keep the trail."""

    def has_delete_permission(self, request, obj=None):
        return False


def _follow(obj, lookup):
    for part in lookup.split("."):
        obj = getattr(obj, part)
    return obj


def related_column(lookup, description):
    """A list column showing a related value ("enrolment.trainee.name"), ordered by it; the
    ModelAdmin's list_select_related must cover the path."""
    @admin.display(description=description, ordering=lookup.replace(".", "__"))
    def column(self, obj):
        return _follow(obj, lookup)

    return column


def annotation_column(name, description):
    """A list column showing a value annotated in get_queryset (no query per row)."""
    @admin.display(description=description, ordering=name)
    def column(self, obj):
        return getattr(obj, name)

    return column


def masked_id_column(lookup, description="身份证号"):
    """A list column showing the related trainee's ID number masked (SPEC.md §2)."""

    @admin.display(description=description, ordering=lookup.replace(".", "__"))
    def column(self, obj):
        return mask_id_number(_follow(obj, lookup))

    return column


@dataclass
class Change:
    """One selected object as a confirmation page lists it: its status before and after, the
    figures the decision moves (amounts), why the service would refuse it (`problems`, checked
    again when the service runs) and what must be acknowledged before confirming (`warnings`)."""

    obj: object
    label: str
    before: str = ""
    after: str = ""
    details: list = dataclasses.field(default_factory=list)
    problems: list = dataclasses.field(default_factory=list)
    warnings: list = dataclasses.field(default_factory=list)


def status_labels(obj, target, field_name="status"):
    """The labels of `obj`'s current status and of `target`, read from the field's choices."""
    choices = dict(obj._meta.get_field(field_name).choices)
    current = getattr(obj, field_name)
    return str(choices.get(current, current)), str(choices.get(target, target))


def refusals(*checks):
    """The messages of every check (a callable raising ValidationError) that refuses."""
    found = []
    for check in checks:
        try:
            check()
        except ValidationError as error:
            found.extend(error.messages)
    return found


def yuan(amount):
    return f"{amount or 0:,.2f}元"


def service_action(modeladmin, request, queryset, *, label, call, form_class=None, describe=str, preview=None,
                   require=None):
    """An admin action that changes state: a confirmation page first, then the service on every
    selected object, all or nothing.

    The first request shows the selected objects with what will change (`preview(obj)` returns a
    Change), the action's form (a reason, a date, a note, an acknowledgement) and a confirm button;
    cancelling leaves everything as it was. `require(form, changes)` makes the fields that a rule
    needs for these objects required (R3's supervision decision, R4's acknowledgement) and may add
    problems that concern the selection as a whole. The confirmed request (`confirm` in the POST)
    with a valid form calls `call(obj, request.user, cleaned_data)` for each object inside one
    transaction; if any refuses, nothing is kept and every refusal is shown with its reason. An
    invalid form comes back (400) with what was typed kept and the missing field marked.

    The change pages' decision buttons (DecisionButtonsMixin) run the same action for one object.
    """
    objects = list(queryset)
    changes = [preview(obj) if preview else Change(obj, describe(obj)) for obj in objects]
    names = {change.obj.pk: change.label for change in changes}
    confirmed = request.method == "POST" and "confirm" in request.POST
    form = (form_class or forms.Form)(request.POST if confirmed else None)
    if require is not None:
        require(form, changes)
    if confirmed and form.is_valid():
        run_all_or_nothing(modeladmin, request, objects, label=label, describe=lambda obj: names.get(obj.pk, obj),
                           call=lambda obj: call(obj, request.user, form.cleaned_data))
        return None
    opts = modeladmin.model._meta
    return TemplateResponse(request, "admin/service_action.html", {
        **modeladmin.admin_site.each_context(request), "title": f"{label}:请确认", "label": label,
        "changes": changes, "form": form, "blocked": any(change.problems for change in changes),
        "has_details": any(change.details for change in changes),
        "has_status": any(change.before or change.after for change in changes),
        "pks": [obj.pk for obj in objects], "action": request.POST.get("action", ""), "opts": opts,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME, "media": modeladmin.media + form.media,
        "cancel_url": getattr(request, "decision_return_url", None) or request.get_full_path(),
    }, status=400 if confirmed else 200)


class DecisionButtonsMixin:
    """A change page carrying the decisions valid for the object's current status, each a link to
    the list action's confirmation page for that one object (`<id>/<decision>/`).

    `decisions` maps a decision to (the admin action's name, the status it leads to, the button's
    label); `transitions` is the workflow (status -> reachable statuses). `decision_preview(request,
    obj, decision)` returns the Change the confirmation page lists; a valid decision whose preview
    has problems (the four-eyes rule, a notice still running) shows why instead of a button that
    would fail.
    """

    decisions: dict = {}
    transitions: dict = {}
    change_form_template = "admin/decision_change_form.html"

    def decision_preview(self, request, obj, decision):
        return Change(obj, str(obj))

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            *(path(f"<path:object_id>/{decision}/", self.admin_site.admin_view(self.decision_view),
                   {"decision": decision}, name=f"{prefix}_{decision}") for decision in self.decisions),
            *super().get_urls(),
        ]

    def _valid_decisions(self, obj):
        reachable = self.transitions.get(obj.status, ())
        return [decision for decision, (_, target, _) in self.decisions.items() if target in reachable]

    def decision_buttons(self, request, obj):
        actions = self.get_actions(request)
        buttons = []
        for decision in self._valid_decisions(obj):
            action, _, label = self.decisions[decision]
            if action not in actions:
                continue
            problems = self.decision_preview(request, obj, decision).problems
            url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{decision}", args=[obj.pk],
                          current_app=self.admin_site.name)
            buttons.append({"label": label, "url": None if problems else url, "reasons": problems})
        return buttons

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        if obj is not None:
            extra_context = {**(extra_context or {}), "decision_buttons": self.decision_buttons(request, obj)}
        return super().change_view(request, object_id, form_url, extra_context)

    def decision_view(self, request, object_id, decision):
        """One decision on one object: the confirmation page (GET, or a POST to confirm), then back
        to the object's page. An unknown id is 404; a decision the status does not allow goes back
        with the reason."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"没有找到该{self.opts.verbose_name}。")
        action, _, label = self.decisions[decision]
        actions = self.get_actions(request)
        if action not in actions:
            raise PermissionDenied
        change_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk],
                             current_app=self.admin_site.name)
        if decision not in self._valid_decisions(obj):
            self.message_user(request, f"当前状态为「{obj.get_status_display()}」,不能办理「{label}」。",
                              messages.ERROR)
            return redirect(change_url)
        request.decision_return_url = change_url
        response = actions[action][0](self, request, self.get_queryset(request).filter(pk=obj.pk))
        return response or redirect(change_url)


def run_all_or_nothing(modeladmin, request, objects, *, label, call, describe=str):
    """Call `call(obj)` for every object in one transaction; if any refuses, keep nothing and
    show every refusal with its reason."""
    failures = []
    with transaction.atomic():
        for obj in objects:
            try:
                call(obj)
            except ValidationError as error:
                failures.append((obj, error.messages))
        if failures:
            transaction.set_rollback(True)
    if failures:
        for obj, reasons in failures:
            modeladmin.message_user(request, f"{describe(obj)}:{';'.join(reasons)}", messages.ERROR)
        modeladmin.message_user(request, f"因以上原因,所选{len(objects)}项均未{label}。", messages.WARNING)
    else:
        modeladmin.message_user(request, f"已{label}{len(objects)}项。", messages.SUCCESS)
    return None


class LargeTablePaginator(Paginator):
    """Admin lists of tables that grow to millions of rows (SPEC.md §7).

    Unfiltered, the row count is PostgreSQL's estimate (pg_class.reltuples, kept by ANALYZE
    and autovacuum) instead of COUNT(*) over the whole table; filtered or searched, it is
    counted exactly (the filter's index keeps that small). Pages stop at `max_pages`: a deeper
    page would make the database read and throw away every row before it, and no one pages
    through ten thousand rows. Filter or search instead.
    """

    max_pages = 200
    estimate_above = 100_000

    @cached_property
    def count(self):
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor == "postgresql" and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                               [queryset.model._meta.db_table])
                row = cursor.fetchone()
            if row and row[0] > self.estimate_above:
                return row[0]
        return super().count

    @cached_property
    def num_pages(self):
        return min(super().num_pages, self.max_pages)

    def validate_number(self, number):
        number = super().validate_number(number)
        if number > self.max_pages:
            raise EmptyPage("页码超出范围:请用筛选或搜索缩小范围。")
        return number


def _history_admin():
    class HistoryAdmin(SimpleHistoryAdmin):
        """Change history to read, never to revert: a revert would save an old version past every
        workflow and rule (SIMPLE_HISTORY_REVERT_DISABLED only hides the button). The tracked
        tables are the ones that grow large: their lists page with LargeTablePaginator."""

        paginator = LargeTablePaginator
        show_full_result_count = False

        def history_form_view(self, request, object_id, version_id, extra_context=None):
            if request.method == "POST":
                raise PermissionDenied("变更记录只能查看,不能恢复旧版本。")
            return super().history_form_view(request, object_id, version_id, extra_context)

    return HistoryAdmin


HistoryAdmin = _history_admin()


def export_selected_xlsx(modeladmin, request, queryset):
    """Export the selected rows with the list page's columns (masked as the list shows them).
    More than settings.EXPORT_BACKGROUND_ROWS rows are written by the background worker
    (`export_in_background`), the file kept on the job's page for download."""

    columns = [name for name in modeladmin.get_list_display(request) if name != "action_checkbox"]
    queryset = modeladmin.get_queryset(request).filter(pk__in=queryset.values("pk"))
    if modeladmin.list_select_related and not isinstance(modeladmin.list_select_related, bool):
        queryset = queryset.select_related(*modeladmin.list_select_related)
    title = str(modeladmin.model._meta.verbose_name)
    count = queryset.count()
    if count > settings.EXPORT_BACKGROUND_ROWS:
        job = start_job(export_in_background, user=request.user, kind="export", title=f"导出{title}({count}行)",
                        back_url=request.get_full_path(), is_hr_job=True,
                        params={"model": modeladmin.model._meta.label, "columns": columns, "rows": count,
                                "query": signed_query(queryset)})
        return redirect("jobs:detail", pk=job.pk)
    headers, rows = _export_table(modeladmin, queryset, columns)
    return workbook_response(f"{title}.xlsx", title, headers, rows)


def _export_table(modeladmin, queryset, columns):
    """The headers and the rows of an export, each value as the list page shows it."""
    headers = [str(label_for_field(name, modeladmin.model, modeladmin)) for name in columns]
    rows = []
    for obj in queryset:
        row = []
        for name in columns:
            _, _, value = lookup_field(name, obj, modeladmin)
            if hasattr(value, "pk") or (value is not None and not isinstance(value, int | float | bool | str)):
                value = strip_tags(str(value)) if not hasattr(value, "quantize") else value
            row.append(value)
        rows.append(row)
    return headers, rows


@task()
def export_in_background(job_id: int) -> str:
    """A large 导出所选为 Excel, in the worker: the selection as the list page made it (its query
    recorded by the action), each row as the list shows it, the workbook kept for download."""
    return run_job(job_id, _export)


def _export(job, progress):
    model = apps.get_model(job.params["model"])
    modeladmin = admin.site._registry[model]
    queryset = queryset_from(model, job.params["query"])
    total = job.params["rows"]
    headers, rows = _export_table(modeladmin, progress.over(queryset.iterator(chunk_size=2000), total, "读取数据"),
                                  job.params["columns"])
    progress.update(0, 0, stage="写入表格")
    title = str(model._meta.verbose_name)
    return Outcome(message=f"已导出{len(rows)}行{title},请下载。", filename=f"{title}.xlsx",
                   content=write_workbook(headers, rows, title=title))


export_selected_xlsx.short_description = "导出所选为 Excel"


def related_count(model, link, *, distinct=None, **filters):
    """The number of `model` rows whose `link` is the listed row, as a correlated subquery: it runs
    for the page's rows only, where a JOIN with GROUP BY would aggregate the whole table first
    (millions of attendance marks at province scale) before the page is cut."""
    rows = model._default_manager.filter(**{link: OuterRef("pk")}, **filters).order_by().values(link)
    counted = Count(distinct, distinct=True) if distinct else Count("pk")
    return Coalesce(Subquery(rows.annotate(n=counted).values("n"), output_field=IntegerField()), 0)


def related_sum(model, link, expression, **filters):
    """The sum of `expression` over `model` rows linked to the listed row (correlated subquery)."""
    rows = model._default_manager.filter(**{link: OuterRef("pk")}, **filters).order_by().values(link)
    return Subquery(rows.annotate(total=Sum(expression)).values("total"),
                    output_field=DecimalField(max_digits=10, decimal_places=1))



class PrefixSearchMixin:
    """Search that the indexes can answer: a term matches the start of a field (a name typed from
    its first character, a class code or phone from its beginning) through the pattern-operator
    index PostgreSQL keeps beside every indexed text column (`…_like`), instead of
    `LIKE '%term%'` over millions of rows. A term with Chinese characters
    searches `name_prefix_fields`, any other term `code_prefix_fields`; one kind at a time, because
    an OR across two joined tables cannot use either index. ID numbers go through
    IdNumberSearchMixin (POST)."""

    name_prefix_fields: tuple[str, ...] = ()
    code_prefix_fields: tuple[str, ...] = ()

    def get_search_results(self, request, queryset, search_term):
        term = " ".join(unicodedata.normalize("NFKC", search_term).split())
        if not term:
            return queryset, False
        is_name = bool(_HAS_CJK.search(term))
        if not is_name:  # codes and phones are stored upper-case and without spaces
            term = term.replace(" ", "").upper()
        fields = self.name_prefix_fields if is_name else self.code_prefix_fields
        if not fields:
            return queryset.none(), False
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__startswith": term})
        return queryset.filter(condition), False


_HAS_CJK = re.compile(r"[\u3400-\u9fff]")
