"""The county as a scope in HR's back office (SPEC.md §1): every admin list, page, export and
choice of a related row holds only the user's area; city and province supervisors read, and act on
nothing but what their permissions allow (inspections and flags).

The user's scope comes from the admin site (`admin_site.scope_for(request)`, accounts.scope_of),
which registers every model admin with CountyScopedAdmin."""

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path, unquote
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F
from django.http import Http404

# The admin actions that change nothing (skills_program.admin_site adds the export to every list).
READ_ONLY_ACTIONS = frozenset({"export_selected_xlsx"})


def area_queryset(queryset, scope, paths):
    """`queryset` held to the rows of `scope`'s area through any of `paths` to their county (a row
    reached through a many-valued relation is listed once). Several paths are a UNION of each
    path's rows, never an OR across their joins: at province scale the OR scans every row (a
    million trainees: 88 s for a page; the UNION 0.1 s)."""
    if scope.is_whole_deployment:
        return queryset
    if len(paths) == 1 and not _many_valued(queryset.model, paths[0]):
        return queryset.filter(scope.area(paths[0]))  # a chain of foreign keys: a plain join
    return queryset.filter(pk__in=union_of_areas(queryset.model, scope, paths))


def _many_valued(model, path):
    """Whether `path` passes through a reverse or many-to-many relation (a row could repeat)."""
    if not path:
        return False
    return any(field.one_to_many or field.many_to_many for field in get_fields_from_path(model, path))


def union_of_areas(model, scope, paths):
    """The primary keys of `model`'s rows in `scope`'s area through any of `paths`, as one UNION."""
    parts = [model._default_manager.filter(scope.area(path)).order_by().values("pk") for path in paths]
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


class CountyScopedAdmin:
    """Every model admin of the back office (SkillsAdminSite.register adds it): `county_paths` are
    the lookups from the model to the county that owns a row; None marks the province's reference
    data (the year's template, the catalogue, the calendar, accounts), which county HR read and
    only HR of the whole deployment change. Another county's row answers 404, as a missing one."""

    county_paths: tuple[str, ...] | None = None
    # Roles besides HR of the whole deployment that change this reference data (the province's
    # supervisor maintains the year's template).
    reference_editor_roles: tuple[str, ...] = ()

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.county_paths is None:
            return queryset
        return area_queryset(queryset, self.admin_site.scope_for(request), self.county_paths)

    def _ensure_in_area(self, request, object_id):
        """Another county's row answers 404 on every page of a row, before any permission check
        or history lookup could tell it apart from a missing one."""
        if self.county_paths is not None and self.get_object(request, unquote(object_id)) is None:
            raise Http404(f"{self.opts.verbose_name}不存在或不属于本县。")

    def change_view(self, request, object_id, *args, **kwargs):
        self._ensure_in_area(request, object_id)
        return super().change_view(request, object_id, *args, **kwargs)

    def delete_view(self, request, object_id, *args, **kwargs):
        self._ensure_in_area(request, object_id)
        return super().delete_view(request, object_id, *args, **kwargs)

    def history_view(self, request, object_id, *args, **kwargs):
        self._ensure_in_area(request, object_id)
        return super().history_view(request, object_id, *args, **kwargs)

    def history_form_view(self, request, object_id, *args, **kwargs):
        self._ensure_in_area(request, object_id)
        return super().history_form_view(request, object_id, *args, **kwargs)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        """Another county's row, like a missing one, answers 404 (as in the portals), not the
        admin's redirect to its index."""
        raise Http404(f"{opts.verbose_name}不存在或不属于本县。")

    def _reference_locked(self, request) -> bool:
        scope = self.admin_site.scope_for(request)
        return self.county_paths is None and not scope.is_whole_deployment \
            and scope.role not in self.reference_editor_roles

    def has_add_permission(self, request, *args):
        return not self._reference_locked(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return not self._reference_locked(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._reference_locked(request) and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        """A supervisor is offered no action on rows they may not change but the export: every
        other action changes state, and the services refuse supervisors (so the change page's
        decision buttons, which follow the actions, are not shown to them either)."""
        actions = super().get_actions(request)
        if self.admin_site.scope_for(request).is_supervisor and not self.has_change_permission(request):
            actions = {name: action for name, action in actions.items() if name in READ_ONLY_ACTIONS}
        return actions

    def get_ordering(self, request):
        """For a county's HR, newest first is sorted after filtering, not read down the primary key's
        index: a county's rows sit together among a province's millions, and walking the index
        from the newest end to reach them took 12 s for the attendance list (sorted: 0.08 s)."""
        ordering = list(super().get_ordering(request) or [])
        if self.county_paths is None or self.admin_site.scope_for(request).is_whole_deployment:
            return ordering
        by_key = {"-pk": (F("pk") + 0).desc(), "pk": (F("pk") + 0).asc(), "-id": (F("pk") + 0).desc(),
                  "id": (F("pk") + 0).asc()}
        return [by_key.get(term, term) if isinstance(term, str) else term for term in ordering]

    def get_list_filter(self, request):
        """The sidebar's related-row filters offer only rows of the user's area (another county's
        task lines or institutions are not named to a county's HR), read from the related model's
        own scoped admin, never by scanning the list."""
        filters = super().get_list_filter(request)
        if self.admin_site.scope_for(request).is_whole_deployment:
            return filters
        return [self._area_filter(spec) for spec in filters]

    def _area_filter(self, spec):
        if not isinstance(spec, str):
            return spec
        try:
            field = get_fields_from_path(self.model, spec)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return spec
        related = self.admin_site._registry.get(getattr(field, "related_model", None))
        if field.is_relation and isinstance(related, CountyScopedAdmin) and related.county_paths is not None:
            return (spec, AreaRelatedFieldListFilter)
        return spec

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """A related row is chosen from the user's area only: its own admin's rows, and the
        user's own county for a county column."""
        if "queryset" not in kwargs:
            related = self.admin_site._registry.get(db_field.remote_field.model)
            if isinstance(related, CountyScopedAdmin) and related.county_paths is not None:
                kwargs["queryset"] = related.get_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        """A new row of a county HR officer belongs to their county when the form does not say."""
        scope = self.admin_site.scope_for(request)
        if not change and scope.is_hr and scope.county_id and "county" not in form.fields \
                and any(f.name == "county" for f in obj._meta.concrete_fields):
            obj.county_id = scope.county_id
        super().save_model(request, obj, form, change)


class CountyScopedInline(admin.options.InlineModelAdmin):
    """An inline of rows a county owns: only the user's area's rows, and their choices."""

    county_paths: tuple[str, ...] = ("county",)

    def get_queryset(self, request):
        return area_queryset(super().get_queryset(request), self.admin_site.scope_for(request), self.county_paths)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            related = self.admin_site._registry.get(db_field.remote_field.model)
            if isinstance(related, CountyScopedAdmin) and related.county_paths is not None:
                kwargs["queryset"] = related.get_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)



class AreaRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related-row filter whose choices are the related model's rows in the user's area (its
    own admin's queryset)."""

    def field_choices(self, field, request, model_admin):
        related = model_admin.admin_site._registry[field.related_model]
        rows = area_queryset(field.related_model._default_manager.all(), model_admin.admin_site.scope_for(request),
                             related.county_paths)
        ordering = self.field_admin_ordering(field, request, model_admin)
        return [(row.pk, str(row)) for row in (rows.order_by(*ordering) if ordering else rows)]
