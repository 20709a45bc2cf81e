"""Reference data: subjects and grading scales from fixtures/reference/*.json (loaded by a data migration).

Idempotent: existing rows are updated to the file's values, rows the file does not mention are left alone
(staff may have added newer scales in the admin).
"""

import json
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "reference"


def _read(name: str):
    return json.loads((REFERENCE_DIR / name).read_text(encoding="utf-8"))


def _year_start(label: str) -> int:
    start, end = (int(x) for x in label.split("/"))
    assert end == start + 1, label
    return start


def load_reference(apps=None, *, only_missing: bool = False) -> dict:
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    subject_model = apps.get_model("indicators", "Subject")
    scale_model = apps.get_model("indicators", "GradingScale")
    year_model = apps.get_model("schools", "AcademicYear")
    subjects = {}
    for raw in _read("subjects.json"):
        save = subject_model.objects.get_or_create if only_missing else subject_model.objects.update_or_create
        subject, _ = save(code=raw["code"], defaults={"name": raw["name"], "aliases": raw["aliases"]})
        subjects[raw["code"]] = subject
    count = 0
    for raw in _read("grading_scales.json")["scales"]:
        year, _ = year_model.objects.get_or_create(start_year=_year_start(raw["year"]))
        save = scale_model.objects.get_or_create if only_missing else scale_model.objects.update_or_create
        save(
            assessment=raw["assessment"], subject=subjects[raw["subject"]], grade=raw["grade"], academic_year=year,
            defaults={"max_score": raw["max_score"], "thresholds": raw.get("thresholds", {}),
                      "min_score": raw.get("min_score"), "min_mark": raw.get("min_mark"),
                      "conditions": raw.get("conditions", []), "source": raw["source"]})
        count += 1
    return {"subjects": len(subjects), "scales": count}


def ensure_reference_data(sender=None, **kwargs) -> None:
    """post_migrate receiver: create reference rows that are missing (after a fresh migrate or a flush).

    Existing rows are left as they are, so edits made in the admin survive every ``migrate``.
    """
    from django.db import connection

    if sender is not None and sender.name != "indicators":
        return
    if "indicators_methodology" not in connection.introspection.table_names():
        return
    load_reference(only_missing=True)
    from .presets import ensure_presets

    ensure_presets()
