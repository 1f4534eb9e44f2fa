"""Shared admin behaviour for the HR back office."""

import re
import secrets
import unicodedata

from django.core.paginator import EmptyPage, Paginator
from django.db import connections
from django.utils.functional import cached_property

from trainees.policy import (
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
        from django.contrib import messages
        from django.http import HttpResponseRedirect

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
    from django.contrib import admin

    @admin.display(description=description, ordering=lookup.replace(".", "__"))
    def column(self, obj):
        return _follow(obj, lookup)

    return column


def annotation_column(name, description):
    """A list column showing a value annotated in get_queryset (no query per row)."""
    from django.contrib import admin

    @admin.display(description=description, ordering=name)
    def column(self, obj):
        return getattr(obj, name)

    return column


def masked_id_column(lookup, description="身份证号"):
    """A list column showing the related trainee's ID number masked (SPEC.md §2)."""
    from django.contrib import admin

    from trainees.policy import mask_id_number

    @admin.display(description=description, ordering=lookup.replace(".", "__"))
    def column(self, obj):
        return mask_id_number(_follow(obj, lookup))

    return column


def service_action(modeladmin, request, queryset, *, label, call, form_class=None, describe=str):
    """An admin action that runs a service on every selected object, all or nothing.

    Without a form (or once its form is valid and confirmed) it calls `call(obj, request.user,
    cleaned_data)` for each object inside one transaction; if any refuses, nothing is kept and
    every refusal is shown with its reason. With a form, it first shows an intermediate page.
    """
    from django.contrib import admin
    from django.template.response import TemplateResponse

    objects = list(queryset)
    form = None
    if form_class is not None:
        form = form_class(request.POST if "confirm" in request.POST else None)
        if not form.is_valid():
            return TemplateResponse(request, "admin/service_action.html", {
                **modeladmin.admin_site.each_context(request), "title": f"{label}:请确认", "label": label,
                "objects": [describe(obj) for obj in objects], "pks": [obj.pk for obj in objects], "form": form,
                "action": request.POST.get("action"), "opts": modeladmin.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            })
    data = form.cleaned_data if form is not None else {}
    run_all_or_nothing(modeladmin, request, objects, label=label, describe=describe,
                       call=lambda obj: call(obj, request.user, data))
    return None


def run_all_or_nothing(modeladmin, request, objects, *, label, call, describe=str):
    """Call `call(obj)` for every object in one transaction; if any refuses, keep nothing and
    show every refusal with its reason."""
    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.db import transaction

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
    from django.core.exceptions import PermissionDenied
    from simple_history.admin import SimpleHistoryAdmin

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
    """Export the selected rows with the list page's columns (masked as the list shows them)."""
    from django.contrib.admin.utils import label_for_field, lookup_field
    from django.utils.html import strip_tags

    from skills_program.excel import workbook_response

    columns = [name for name in modeladmin.get_list_display(request) if name != "action_checkbox"]
    headers = [str(label_for_field(name, modeladmin.model, modeladmin)) for name in columns]
    queryset = modeladmin.get_queryset(request).filter(pk__in=queryset.values("pk"))
    if modeladmin.list_select_related and not isinstance(modeladmin.list_select_related, bool):
        queryset = queryset.select_related(*modeladmin.list_select_related)
    rows = []
    for obj in queryset:
        row = []
        for name in columns:
            _, _, value = lookup_field(name, obj, modeladmin)
            if hasattr(value, "pk") or (value is not None and not isinstance(value, int | float | bool | str)):
                value = strip_tags(str(value)) if not hasattr(value, "quantize") else value
            row.append(value)
        rows.append(row)
    title = str(modeladmin.model._meta.verbose_name)
    return workbook_response(f"{title}.xlsx", title, headers, rows)


export_selected_xlsx.short_description = "导出所选为 Excel"


def related_count(model, link, *, distinct=None, **filters):
    """The number of `model` rows whose `link` is the listed row, as a correlated subquery: it runs
    for the page's rows only, where a JOIN with GROUP BY would aggregate the whole table first
    (millions of attendance marks at province scale) before the page is cut."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    rows = model._default_manager.filter(**{link: OuterRef("pk")}, **filters).order_by().values(link)
    counted = Count(distinct, distinct=True) if distinct else Count("pk")
    return Coalesce(Subquery(rows.annotate(n=counted).values("n"), output_field=IntegerField()), 0)


def related_sum(model, link, expression, **filters):
    """The sum of `expression` over `model` rows linked to the listed row (correlated subquery)."""
    from django.db.models import DecimalField, OuterRef, Subquery, Sum

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
        from django.db.models import Q

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
