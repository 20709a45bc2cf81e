"""The portal's own ОИП and ИСБШ: computed for a municipality and year and stored apart from published values.

Weights and the ИСБШ mode are methodology parameters («computed_oip_weights», «computed_isbs_mode»,
«computed_isbs_weights»); the formulas are in indicators/indices.py and docs/METHODOLOGY.md.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from .choices import IndexKind, IndexSource
from .index_inputs import isbs_inputs, oip_inputs
from .indices import (
    DEFAULT_ISBS_WEIGHTS,
    DEFAULT_OIP_WEIGHTS,
    IsbsParams,
    OipParams,
    compute_isbs,
    compute_oip,
)
from .models import IndexValue


def _store(municipality, year, kind: str, values: dict[int, tuple[Decimal, dict]], note: str) -> int:
    """Replace the computed values of ``kind``: one read of what is stored, bulk writes of what changed."""
    existing = {school_id: (pk, value, explanation) for pk, school_id, value, explanation in IndexValue.objects.filter(
        school__municipality=municipality, academic_year=year, kind=kind, source=IndexSource.COMPUTED,
    ).values_list("pk", "school_id", "value", "components__explanation")}
    IndexValue.objects.filter(pk__in=[pk for sid, (pk, _, _) in existing.items() if sid not in values]).delete()
    changed, created = [], []
    for school_id, (value, components) in values.items():
        current = existing.get(school_id)
        if current is None:
            created.append(IndexValue(school_id=school_id, academic_year=year, kind=kind,
                                      source=IndexSource.COMPUTED, value=value, components=components,
                                      source_note=note))
        elif current[1] != value or current[2] != components.get("explanation"):
            # the explanation spells out every part of the value, so an unchanged one means unchanged parts
            changed.append(IndexValue(pk=current[0], value=value, components=components, source_note=note,
                                      updated_at=timezone.now()))
    IndexValue.objects.bulk_create(created, batch_size=1000)
    IndexValue.objects.bulk_update(changed, ["value", "components", "source_note", "updated_at"], batch_size=1000)
    return len(values)


def _round(value) -> float | None:
    return None if value is None else round(float(value), 2)


def indices_compute(*, municipality, academic_year, params: dict) -> dict:
    """Compute and store both indices; returns what the run records (counts, the ИСБШ model or why none)."""
    oip_params = OipParams(weights=params.get("computed_oip_weights", DEFAULT_OIP_WEIGHTS))
    oip = {r.school_id: (r.value, {"parts": r.parts, "missing": r.missing, "dropped": r.dropped,
                                   "explanation": r.explanation})
           for r in compute_oip(oip_inputs(municipality, academic_year), oip_params) if r.value is not None}
    summary = {"oip": _store(municipality, academic_year, IndexKind.OIP, oip, "рассчитан порталом по результатам")}
    mode = params.get("computed_isbs_mode", "weights")
    isbs_params = IsbsParams(mode=mode, weights=params.get("computed_isbs_weights", DEFAULT_ISBS_WEIGHTS))
    inputs = isbs_inputs(municipality, academic_year, outcome="oip_computed" if mode == "fitted" else None)
    try:
        model, results = compute_isbs(inputs, isbs_params)
    except ValueError as exc:
        summary["isbs"], summary["isbs_model"] = 0, {"mode": mode, "error": str(exc)}
        return summary
    isbs = {r.school_id: (r.value, {"contributions": r.contributions, "explanation": r.explanation})
            for r in results if r.value is not None}
    summary["isbs"] = _store(municipality, academic_year, IndexKind.ISBS, isbs,
                             "рассчитан порталом по социальному паспорту")
    summary["isbs_model"] = {"mode": model.mode, "n": model.n, "r2": _round(model.r2),
                             "coefficients": {k: _round(v) for k, v in model.coefficients.items()},
                             "notes": list(model.notes)}
    return summary
