"""Admin for guideline editors: clone a published release, edit the draft, dry-run it, publish it."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from guidance import services
from guidance.forms import DryRunForm, ParameterForm, ReleaseCloneForm, RuleForm, RuleInlineFormSet
from guidance.models import Evaluation, GuidelineRelease, Parameter, ReleaseStatus, Rule


def _editable(obj: GuidelineRelease | None) -> bool:
    return obj is None or obj.status == ReleaseStatus.DRAFT


class ReleaseContentInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return _editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _editable(obj) and super().has_delete_permission(request, obj)


class ParameterInline(ReleaseContentInline):
    model = Parameter
    form = ParameterForm


class RuleInline(ReleaseContentInline):
    model = Rule
    form = RuleForm
    formset = RuleInlineFormSet
    classes = ["guidance-rules"]


@admin.register(GuidelineRelease)
class GuidelineReleaseAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "disease",
        "version",
        "status",
        "effective_on",
        "rule_count",
        "parameter_count",
        "published_at",
    )
    list_filter = ("disease", "status")
    search_fields = ("version", "change_note")
    fields = (
        "disease",
        "version",
        "effective_on",
        "change_note",
        "status",
        "cloned_from",
        "created_at",
        "created_by",
        "published_at",
        "published_by",
        "retired_at",
    )
    readonly_fields = (
        "status",
        "cloned_from",
        "created_at",
        "created_by",
        "published_at",
        "published_by",
        "retired_at",
    )
    inlines = [ParameterInline, RuleInline]
    change_form_template = "admin/guidance/guidelinerelease/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).for_list().select_related("created_by", "published_by", "cloned_from")

    @admin.display(description="rules", ordering="rule_count")
    def rule_count(self, release: GuidelineRelease) -> int:
        return release.rule_count

    @admin.display(description="parameters", ordering="parameter_count")
    def parameter_count(self, release: GuidelineRelease) -> int:
        return release.parameter_count

    def get_readonly_fields(self, request, obj=None):
        # A release keeps its disease: its rules are scoped to it.
        return self.readonly_fields + (("disease",) if obj is not None else ())

    def has_change_permission(self, request, obj=None) -> bool:
        # Published and retired releases open read-only (view permission).
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is not None and obj.is_draft and super().has_delete_permission(request, obj)

    def save_model(self, request, obj: GuidelineRelease, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(
            can_clone=obj is not None and self._can_edit(request),
            can_dry_run=obj is not None and obj.is_draft and self._can_edit(request),
            can_publish=obj is not None and obj.is_draft and request.user.has_perm(services.PUBLISH_PERMISSION),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        own = [
            path(
                "<int:pk>/clone/", self.admin_site.admin_view(self.clone_view), name="guidance_guidelinerelease_clone"
            ),
            path(
                "<int:pk>/dry-run/",
                self.admin_site.admin_view(self.dry_run_view),
                name="guidance_guidelinerelease_dry_run",
            ),
            path(
                "<int:pk>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="guidance_guidelinerelease_publish",
            ),
        ]
        return own + super().get_urls()

    def _can_edit(self, request) -> bool:
        return request.user.has_perms(services.EDIT_PERMISSIONS)

    def _page(self, request, release: GuidelineRelease, template: str, title: str, **context) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": release,
            "release": release,
            "title": title,
            **context,
        }
        return TemplateResponse(request, f"admin/guidance/guidelinerelease/{template}", context)

    def clone_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self._can_edit(request):
            raise PermissionDenied
        release = get_object_or_404(GuidelineRelease, pk=pk)
        form = ReleaseCloneForm(request.POST or None, release=release)
        if request.method == "POST" and form.is_valid():
            try:
                draft = services.release_clone(
                    release=release, version=form.cleaned_data["version"], by=request.user, request=request
                )
            except ValidationError as error:
                form.add_error("version", error.message_dict.get("version", error.messages))
            else:
                self.message_user(request, f"Draft {draft.version} created from {release.version}.", messages.SUCCESS)
                return redirect("admin:guidance_guidelinerelease_change", draft.pk)
        return self._page(request, release, "clone.html", f"Clone {release}", form=form)

    def dry_run_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self._can_edit(request):
            raise PermissionDenied
        release = get_object_or_404(GuidelineRelease, pk=pk)
        form = DryRunForm(request.POST or None, release=release, user=request.user)
        results = None
        problems = services.release_problems(release)
        if request.method == "POST" and form.is_valid() and not problems:
            try:
                results = services.release_dry_run(
                    draft=release,
                    patients=form.cleaned_data["patients"],
                    as_of=form.cleaned_data["as_of"],
                    board_inputs=form.board_inputs(),
                    by=request.user,
                    request=request,
                )
            except (services.NoPublishedRelease, PermissionDenied) as error:
                form.add_error(None, str(error))
        return self._page(
            request, release, "dry_run.html", f"Dry run of {release}", form=form, results=results, problems=problems
        )

    def publish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm(services.PUBLISH_PERMISSION):
            raise PermissionDenied
        release = get_object_or_404(GuidelineRelease, pk=pk)
        current = GuidelineRelease.objects.filter(disease=release.disease, status=ReleaseStatus.PUBLISHED).first()
        errors: list[str] = []
        if request.method == "POST":
            try:
                services.release_publish(release=release, by=request.user, request=request)
            except ValidationError as error:
                errors = error.messages
            else:
                self.message_user(request, f"{release.version} is published.", messages.SUCCESS)
                return redirect(reverse("admin:guidance_guidelinerelease_change", args=[release.pk]))
        return self._page(
            request,
            release,
            "publish.html",
            f"Publish {release}",
            current=current,
            errors=errors,
            problems=services.release_problems(release),
        )


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ("public_id", "patient", "as_of", "release", "created_by", "created_at")
    list_select_related = ("patient", "release", "created_by")
    list_filter = ("release",)
    search_fields = ("public_id", "patient__mrn")
    raw_id_fields = ("patient", "release")
    readonly_fields = (
        "public_id",
        "patient",
        "as_of",
        "release",
        "board_inputs",
        "facts",
        "input_hash",
        "output",
        "created_by",
        "created_at",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
