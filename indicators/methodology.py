"""Editing methodologies: every change makes a new version and asks for a recompute of the lists it affects."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.db import transaction

from .choices import RunTrigger
from .classification import PRESETS
from .models import Methodology
from .recompute import queue_classification
from .runs import years_with_data

# Parameters every preset understands, with their meaning, for the edit form and the docs.
PARAM_HELP = {
    "oip_threshold": "порог ОИП: ниже — ШНОР",
    "oip_source": "какой ОИП брать: imported (опубликованный), computed (рассчитанный), imported_or_computed",
    "isbs_source": "какой ИСБШ брать: imported, computed, imported_or_computed",
    "oip_mean_scope": "с каким средним ОИП сравнивать: district (по району) или region (параметр region_oip_mean)",
    "isbs_mean_scope": "с каким средним ИСБШ сравнивать: district или region (параметр region_isbs_mean)",
    "region_oip_mean": "средний ОИП по региону",
    "region_isbs_mean": "средний ИСБШ по региону",
    "min_flags": "сколько признаков типологии нужно для ШНСУ (множественная депривация)",
    "share_threshold": "доля «2», %, начиная с которой процедура считается рисковой",
    "min_procedures": "сколько рисковых процедур за год дают ШНОР",
    "consecutive_years": "учитывать ли одну и ту же процедуру два года подряд (true/false)",
    "min_participants": "наименьшее число участников, при котором доля считается",
    "shnsu_by_isbs": "определять ли ШНСУ по ИСБШ и признакам типологии (true/false)",
    "bottom_percent": "какая доля школ с наибольшей долей «2» попадает в ШНОР, %",
    "years": "за сколько лет складывать результаты",
    "assessments": "процедуры: [\"vpr\", \"oge\", \"ege\"]",
    "subjects": "предметы (коды): [\"rus\", \"math\"]",
    "exclude_biased": "исключать ли школы с признаками необъективности (true/false)",
}


def parse_value(text: str):
    """«36» → 36, «36,5» → 36.5, «true» → True, «[\"vpr\"]» → list; anything else stays a string."""
    for candidate in (text, text.replace(",", ".")):
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    return text


def may_edit(user, methodology: Methodology) -> bool:
    """Staff edit every methodology. A curator edits one that applies only to municipalities of their schools — not
    the default one, which applies to every municipality without its own: its change would reclassify schools the
    curator does not see."""
    from schools.selectors import municipality_list_for

    if user.is_superuser or user.is_department_staff:
        return True
    if methodology.is_default:
        return False
    visible = set(municipality_list_for(user).values_list("pk", flat=True))
    return set(methodology.municipalities.values_list("pk", flat=True)) <= visible


def methodology_update(*, methodology: Methodology, user, name: str, description: str, params: dict,
                       municipalities) -> list:
    """Save the methodology; a change of its parameters makes a new version and asks for the recompute of every
    municipality it applies to. → the runs asked for (none when only the name, description or list changed)."""
    if methodology.preset not in PRESETS:
        raise ValidationError(f"Неизвестное правило «{methodology.preset}».")
    _check_numbers(params)
    changed = params != methodology.params
    with transaction.atomic():
        methodology.name, methodology.description, methodology.params = name, description, params
        if changed:
            methodology.version += 1
        methodology._history_user = user
        methodology.full_clean()
        methodology.save()
        methodology.municipalities.set(municipalities)
        runs = _queue_affected(methodology, user) if changed else []
    return runs


def _check_numbers(params: dict) -> None:
    for key in ("oip_threshold", "share_threshold", "bottom_percent", "min_flags", "min_procedures", "years",
                "min_participants"):
        if key in params and not isinstance(params[key], (int, float)):
            raise ValidationError(f"Параметр «{key}» должен быть числом, указано «{params[key]}».")
    for key in ("bottom_percent", "share_threshold"):
        if key in params and not 0 <= params[key] <= 100:
            raise ValidationError(f"Параметр «{key}» — процент от 0 до 100.")


def _queue_affected(methodology: Methodology, user) -> list:
    from schools.models import Municipality

    targets = list(methodology.municipalities.all())
    if methodology.is_default:
        targets += list(Municipality.objects.filter(methodologies__isnull=True))
    runs = []
    for municipality in targets:
        years = years_with_data(municipality)
        if years:
            runs += queue_classification(municipality_ids=[municipality.pk], academic_year_id=years[0].pk,
                                         trigger=RunTrigger.METHODOLOGY, user=user)
    return runs
