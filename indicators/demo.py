"""Published ОИП and ИСБШ of the demo schools (Tutaev Tables 1–3), stored as imported values."""

from decimal import Decimal

from schools.demo import academic_year, demo_data
from schools.models import School

from .choices import IndexSource
from .models import IndexValue


def load(report: dict) -> None:
    data = demo_data()
    loaded = 0
    for raw_m in data["municipalities"]:
        for raw in raw_m["schools"]:
            if not raw.get("indices"):
                continue
            school = School.objects.get(municipality__name=raw_m["name"], name=raw["name"])
            for index in raw["indices"]:
                IndexValue.objects.update_or_create(
                    school=school, academic_year=academic_year(index["academic_year"]), kind=index["kind"],
                    source=IndexSource.IMPORTED,
                    defaults={"value": Decimal(str(index["value"])), "components": index.get("components") or {},
                              "source_note": index.get("source_table", "")[:300]},
                )
                loaded += 1
    report["indices"] = loaded
    _classify_demo(report)


def _classify_demo(report: dict) -> None:
    """A first classification for every demo municipality with indices, so the pages are not empty."""
    from schools.models import Municipality

    from .choices import RunTrigger
    from .runs import latest_run, run_now, years_with_data

    runs = 0
    for municipality in Municipality.objects.filter(schools__indices__isnull=False).distinct():
        for year in years_with_data(municipality)[:1]:
            if latest_run(municipality, year) is None:
                run_now(municipality=municipality, academic_year=year, trigger=RunTrigger.COMMAND)
                runs += 1
    report["runs"] = runs
