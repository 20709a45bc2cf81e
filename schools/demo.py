"""The demo municipalities and schools from the source programmes (fixtures/demo/municipalities.json)."""

import json
from pathlib import Path

from django.conf import settings

from .models import AcademicYear, Municipality, School, SchoolYearProfile

DEMO_FILE = Path(settings.BASE_DIR) / "fixtures" / "demo" / "municipalities.json"

PROFILE_COUNTS = ("students", "teachers", "parents_higher_education", "single_parent_families",
                  "unemployed_parents", "russian_not_native", "disabilities_ovz", "preventive_registration")


def demo_data() -> dict:
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


def academic_year(label: str) -> AcademicYear:
    year, _ = AcademicYear.objects.get_or_create(start_year=AcademicYear.parse_label(label))
    return year


def _school_defaults(raw: dict) -> dict:
    return {
        "short_name": raw["short_name"][:200],
        "aliases": raw.get("aliases") or [],
        "fis_oko_login": raw.get("fis_oko_login") or None,
        "inn": raw.get("inn") or "",
        "kind": raw.get("kind") or "",
        "locality": raw.get("locality") or "",
        "is_small": bool(raw.get("is_small")),
        "has_senior_grades": bool(raw.get("has_senior_grades")),
        "address": raw.get("address") or "",
    }


def _load_profile(school: School, raw: dict, source: str) -> None:
    values = {field: raw.get(field) for field in PROFILE_COUNTS}
    for flag, value in (raw.get("flags") or {}).items():
        values[f"flag_{flag}"] = bool(value)
    values["source"] = source[:300]
    profile, _ = SchoolYearProfile.objects.update_or_create(
        school=school, academic_year=academic_year(raw["academic_year"]), defaults=values)
    profile.full_clean()


def load(report: dict) -> None:
    data = demo_data()
    sources = data.get("sources", {})
    counts = report.setdefault("schools", {})
    for raw_m in data["municipalities"]:
        municipality, _ = Municipality.objects.update_or_create(
            name=raw_m["name"], defaults={"short_name": raw_m.get("short_name", ""),
                                          "region": raw_m.get("region", ""),
                                          # the programme itself publishes its schools' ОИП and ИСБШ
                                          "publish_school_cards": raw_m.get("publish_school_cards", False)})
        for raw in raw_m["schools"]:
            school, _ = School.objects.update_or_create(
                municipality=municipality, name=raw["name"], defaults=_school_defaults(raw))
            school.full_clean()
            source = sources.get(raw_m.get("source", ""), "")
            for profile in raw.get("profiles") or []:
                _load_profile(school, profile, source)
        counts[municipality.name] = len(raw_m["schools"])
