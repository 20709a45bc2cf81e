from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AcademicYear,
    Municipality,
    RiskFactor,
    School,
    SchoolRiskProfile,
    SchoolYearProfile,
    VisitNote,
)


def visible_municipalities(user) -> QuerySet[Municipality]:
    """The municipalities of the schools ``user`` may see."""
    return Municipality.objects.filter(pk__in=School.objects.visible_to(user).values("municipality"))


class VisibleSchoolsMixin:
    """The one scoping rule of the admin: curators see and edit only their assigned schools and what belongs to them;
    department staff and superusers see everything.

    ``school_paths`` lead from the model to its school and are tried in order: the first one that is set decides. An
    object with none of them set belongs to a municipality (``municipality_path``) and is visible to the curators of
    that municipality's schools. The rule covers changelists, change/delete/history views, list-filter choices,
    autocomplete (through the target model's admin), inlines and FK/M2M choices (through the related model's admin).
    Use it on inlines too.
    """

    school_paths: tuple[str, ...] = ("school",)
    municipality_path: str = ""

    def scope(self, queryset: QuerySet, user) -> QuerySet:
        if user.is_department_staff:
            return queryset
        schools = School.objects.visible_to(user)
        condition, unset = Q(pk__in=[]), Q()
        for path in self.school_paths:
            condition |= unset & Q(**{f"{path}__in": schools})
            unset &= Q(**{f"{path}__isnull": True})
        if self.municipality_path:
            condition |= unset & Q(**{f"{self.municipality_path}__in": visible_municipalities(user)})
        return queryset.filter(condition)

    def get_queryset(self, request):
        return self.scope(super().get_queryset(request), request.user)

    def _scoped_admin(self, model) -> "VisibleSchoolsMixin | None":
        """The admin of a related model when it is scoped by this rule too."""
        related = self.admin_site.get_model_admin(model) if self.admin_site.is_registered(model) else None
        return related if isinstance(related, VisibleSchoolsMixin) else None

    def _visible(self, model, queryset: QuerySet, user) -> QuerySet | None:
        """``queryset`` of a related model cut by that model's scoped admin, or for a model shown only inline (a
        section, a target value) by the scoped admin of the model it belongs to; None when the model is not scoped."""
        related = self._scoped_admin(model)
        if related is not None:
            return related.scope(queryset, user)
        for field in model._meta.fields:
            owner = self._scoped_admin(field.related_model) if field.many_to_one else None
            if owner is not None and field.related_model is not get_user_model():
                owned = owner.scope(field.related_model._default_manager.all(), user)
                return queryset.filter(**{f"{field.name}__in": owned})
        return None

    def _scoped_many_to_many(self, user):
        """(field, what of the related model ``user`` may see) for the M2M fields to scoped models."""
        for field in self.model._meta.many_to_many:
            visible = self._visible(field.related_model, field.related_model._default_manager.all(), user)
            if visible is not None:
                yield field, visible

    def get_field_queryset(self, db, db_field, request):
        """FK and M2M choices: only what the user may see of the related model."""
        queryset = super().get_field_queryset(db, db_field, request)
        if request.user.is_department_staff:
            return queryset
        model = db_field.remote_field.model
        visible = self._visible(model, model._default_manager.using(db).all() if queryset is None else queryset,
                                request.user)
        return queryset if visible is None else visible

    def get_object(self, request, object_id, from_field=None):
        """The object with its M2M relations cut to what the user may see (read-only views list them)."""
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and not request.user.is_department_staff:
            prefetch_related_objects([obj], *(Prefetch(field.name, queryset=visible)
                                              for field, visible in self._scoped_many_to_many(request.user)))
        return obj

    def save_related(self, request, form, formsets, change):
        """M2M relations the user cannot see are not in the form; keep them rather than drop them. (The prefetch of
        ``get_object`` already hides them from ``set()``; this does not depend on that.)"""
        hidden = {}
        if change and not request.user.is_department_staff:
            stored = type(form.instance)._default_manager.get(pk=form.instance.pk)
            for field, visible in self._scoped_many_to_many(request.user):
                if field.name in form.fields:
                    hidden[field.name] = list(getattr(stored, field.name).exclude(pk__in=visible.values("pk")))
        super().save_related(request, form, formsets, change)
        for name, objects in hidden.items():
            getattr(form.instance, name).add(*objects)

    def get_list_filter(self, request):
        """Related filters offer only what the user's own objects refer to (no names of other schools)."""
        return [_related_only(self.model, spec) for spec in super().get_list_filter(request)]

    def _visible_or_404(self, request, object_id) -> None:
        if not request.user.is_department_staff and self.get_object(request, unquote(object_id)) is None:
            raise Http404("Объект не найден.")

    def history_view(self, request, object_id, extra_context=None):
        # simple_history falls back to the last historical record when the queryset misses the object
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """A past version (SimpleHistoryAdmin only). Reverting is for staff: a version carries read-only fields."""
        self._visible_or_404(request, object_id)
        if request.method == "POST" and not request.user.is_department_staff:
            raise PermissionDenied("Вернуть прежнюю версию может только управление образования.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return not request.user.is_department_staff or super().revert_disabled(request, obj)


class MunicipalityScopedMixin(VisibleSchoolsMixin):
    """Objects of a municipality rather than of a school: visible to the curators of its schools."""

    school_paths = ()
    municipality_path = "municipality"


def _related_only(model, spec):
    if isinstance(spec, str) and get_fields_from_path(model, spec)[-1].is_relation:
        return spec, admin.RelatedOnlyFieldListFilter
    return spec


@admin.register(Municipality)
class MunicipalityAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
    municipality_path = "pk"
    list_display = ["name", "short_name", "region", "publish_school_cards"]
    search_fields = ["name", "short_name"]


@admin.register(AcademicYear)
class AcademicYearAdmin(admin.ModelAdmin):
    list_display = ["label", "start_year"]


class ProfileInline(VisibleSchoolsMixin, admin.StackedInline):
    model = SchoolYearProfile
    extra = 0


class RiskProfileInline(VisibleSchoolsMixin, admin.TabularInline):
    """The «500+» risk levels; the factors not yet assessed for the current academic year come as prefilled rows
    (left without a level, a row is not saved)."""

    model = SchoolRiskProfile
    fields = ["academic_year", "factor", "level", "source", "comment"]
    ordering = ["-academic_year__start_year", "factor__code"]
    extra = 0

    def prefill(self, school: School | None) -> list[dict]:
        from monitoring.selectors import current_academic_year  # see the note on the actions of SchoolAdmin

        year = current_academic_year()
        if school is None or year is None:
            return []
        assessed = school.risk_profiles.filter(academic_year=year).values("factor")
        return [{"academic_year": year.pk, "factor": pk}
                for pk in RiskFactor.objects.exclude(pk__in=assessed).order_by("code").values_list("pk", flat=True)]

    def get_extra(self, request, obj=None, **kwargs):
        return len(self.prefill(obj))


class VisitNoteInline(VisibleSchoolsMixin, admin.StackedInline):
    model = VisitNote
    fields = ["date", "format", "topics", "recommendations", ("follow_up", "follow_up_due", "follow_up_done"),
              "author"]
    readonly_fields = ["author"]
    extra = 0


def _set_author(request, note: VisitNote) -> None:
    """The author of a visit note is whoever writes it first; later edits are in its history."""
    if note.pk is None:
        note.author = request.user


@admin.register(School)
class SchoolAdmin(VisibleSchoolsMixin, SimpleHistoryAdmin):
    school_paths = ("pk",)
    list_display = ["short_name", "municipality", "kind", "locality", "fis_oko_login", "inn", "is_active"]
    list_filter = ["municipality", "kind", "locality", "is_small", "has_senior_grades", "is_active"]
    search_fields = ["name", "short_name", "fis_oko_login", "inn"]
    list_select_related = ["municipality"]
    filter_horizontal = ["curators"]
    inlines = [ProfileInline, RiskProfileInline, VisitNoteInline]
    actions = ["classification_request", "report_request"]
    curator_readonly_fields = ["municipality", "curators", "is_active"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_department_staff:
            fields += [f for f in self.curator_readonly_fields if f not in fields]
        return fields

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, RiskProfileInline):
            kwargs["initial"] = inline.prefill(obj)
        return kwargs

    def save_formset(self, request, form, formset, change):
        if formset.model is VisitNote:
            for visit_form in formset.forms:
                _set_author(request, visit_form.instance)
        super().save_formset(request, form, formset, change)

    # The actions (and the risk-profile prefill) reach up to indicators and monitoring, which sit above schools:
    # imported where used, so that importing schools never imports them.

    def has_classify_permission(self, request) -> bool:
        return request.user.has_perm("indicators.add_classificationrun")

    def has_report_permission(self, request) -> bool:
        return request.user.has_perm("monitoring.add_quarterlyreport")

    @admin.action(description="Пересчитать классификацию", permissions=["classify"])
    def classification_request(self, request, queryset):
        """A run for each municipality of the selected schools, for its newest year with data (as the
        classification page shows by default)."""
        from indicators.choices import RunTrigger
        from indicators.runs import run_request, years_with_data

        queued, without_data = [], []
        for municipality in _municipalities_of(queryset):
            years = years_with_data(municipality)
            if not years:
                without_data.append(str(municipality))
                continue
            run_request(municipality=municipality, academic_year=years[0], trigger=RunTrigger.MANUAL,
                        user=request.user)
            queued.append(f"{municipality}, {years[0]}")
        if queued:
            self.message_user(request, f"Поставлено в очередь расчётов классификации: {len(queued)} "
                                       f"({'; '.join(queued)}).", messages.SUCCESS)
        if without_data:
            self.message_user(request, "Нет загруженных результатов и индексов, расчёт не запущен: "
                                       + ", ".join(without_data) + ".", messages.WARNING)

    @admin.action(description="Сформировать отчёт", permissions=["report"])
    def report_request(self, request, queryset):
        """The quarterly report on the last finished calendar quarter for each municipality of the selected schools."""
        from monitoring.report_data import Period
        from monitoring.reports import request_report
        from roadmap.schedule import quarter_of

        period = Period(*quarter_of(timezone.localdate())).previous()
        municipalities = _municipalities_of(queryset)
        for municipality in municipalities:
            request_report(municipality=municipality, period=period, user=request.user)
        self.message_user(request, format_html(
            "Поставлено в очередь квартальных отчётов за {}: {} ({}). Готовые отчёты — на странице "
            "<a href=\"{}\">«Отчёты»</a>.", period.label, len(municipalities),
            ", ".join(str(m) for m in municipalities), reverse("reports:report_list")), messages.SUCCESS)


def _municipalities_of(schools: QuerySet[School]) -> list[Municipality]:
    return list(Municipality.objects.filter(pk__in=schools.values("municipality")).order_by("name"))


@admin.register(SchoolYearProfile)
class SchoolYearProfileAdmin(VisibleSchoolsMixin, admin.ModelAdmin):
    list_display = ["school", "academic_year", "students", "teachers"]
    list_filter = ["academic_year", "school__municipality"]
    list_select_related = ["school", "academic_year"]
    search_fields = ["school__short_name", "school__name"]


@admin.register(RiskFactor)
class RiskFactorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_confirmed"]
    ordering = ["code"]


@admin.register(SchoolRiskProfile)
class SchoolRiskProfileAdmin(VisibleSchoolsMixin, SimpleHistoryAdmin):
    list_display = ["school", "academic_year", "factor", "level", "source"]
    list_filter = ["academic_year", "level", "factor", "school__municipality"]
    list_select_related = ["school", "academic_year", "factor"]
    search_fields = ["school__short_name", "school__name"]


@admin.register(VisitNote)
class VisitNoteAdmin(VisibleSchoolsMixin, SimpleHistoryAdmin):
    list_display = ["date", "school", "format", "author", "follow_up_due", "follow_up_done"]
    list_filter = ["school", "school__municipality", "format", "follow_up_done"]
    date_hierarchy = "date"
    search_fields = ["school__short_name", "school__name", "topics", "recommendations", "follow_up"]
    list_select_related = ["school", "author"]
    autocomplete_fields = ["school"]
    readonly_fields = ["author", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        _set_author(request, obj)
        super().save_model(request, obj, form, change)
