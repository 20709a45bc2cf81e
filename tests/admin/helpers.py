"""Helpers for the admin tests: paths from a model to its school, leak checks, change-form POST data."""

from django import forms
from django.contrib.auth import get_user_model

from schools.models import Municipality, School

LEAK_MARKERS = ("Бета", "Гамма")  # in the names and texts of what curator A must not see (see conftest.py)
TARGETS = (School, Municipality)


def paths_to_school(model, depth: int = 4) -> list[tuple[str, type]]:
    """Forward FK paths from ``model`` to School and Municipality, e.g. ("activity__roadmap__school", School).

    Paths do not go through users (an author is not the owner of what they wrote)."""
    found = [("pk", model)] if model in TARGETS else []
    frontier = [("", model)]
    for _ in range(depth):
        following = []
        for prefix, current in frontier:
            for field in current._meta.get_fields():
                if not (field.many_to_one or field.one_to_one) or not field.concrete:
                    continue
                if field.related_model is get_user_model():
                    continue
                path = f"{prefix}{field.name}"
                if field.related_model in TARGETS:
                    found.append((path, field.related_model))
                following.append((f"{path}__", field.related_model))
        frontier = following
    return found


def leaked(html: str) -> list[str]:
    return [marker for marker in LEAK_MARKERS if marker in html]


def _form_values(form) -> dict:
    values = {}
    for name, field in form.fields.items():
        value = form[name].value()
        key = form.add_prefix(name)
        if isinstance(field, forms.BooleanField):
            if value:
                values[key] = "on"
        elif isinstance(value, list | tuple):
            values[key] = [str(v) for v in value]
        elif value is not None:
            values[key] = str(value)
    return values


def changeform_data(response) -> dict:
    """POST data that saves the admin change form of ``response`` as it was shown, inlines included."""
    data = _form_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_values(formset.management_form))
        for form in formset.forms:
            data.update(_form_values(form))
    return data
