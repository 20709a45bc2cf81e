"""Writes to the school register. Every write is validated with full_clean and runs in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from portal.spreadsheets import RowError, normalize_header

from .models import Municipality, School
from .register import HEADER_BY_KEY, parse_register

SCHOOL_FIELDS = (
    "municipality", "name", "short_name", "fis_oko_login", "inn", "kind", "locality",
    "is_small", "has_senior_grades", "address", "is_active",
)


def school_create(*, user, **data) -> School:
    school = School(**{k: v for k, v in data.items() if k in SCHOOL_FIELDS})
    school.fis_oko_login = school.fis_oko_login or None
    school.full_clean()
    with transaction.atomic():
        school._history_user = user
        school.save()
    return school


def school_update(*, school: School, user, **data) -> School:
    for key, value in data.items():
        if key in SCHOOL_FIELDS:
            setattr(school, key, value)
    school.fis_oko_login = school.fis_oko_login or None
    school.full_clean()
    with transaction.atomic():
        school._history_user = user
        school.save()
    return school


@dataclass
class RegisterImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    created_municipalities: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def _name_key(text: str) -> str:
    return normalize_header(text).replace("«", "").replace("»", "").replace('"', "")


class _Register:
    """In-memory view of the register for matching rows without a query per row."""

    def __init__(self):
        self.municipalities = {}
        for m in Municipality.objects.all():
            self.municipalities[_name_key(m.name)] = m
            if m.short_name:
                self.municipalities.setdefault(_name_key(m.short_name), m)
        self.by_login = {}
        self.by_name = {}
        for school in School.objects.all():
            if school.fis_oko_login:
                self.by_login[school.fis_oko_login] = school
            for name in (school.name, *school.aliases):
                self.by_name[(school.municipality_id, _name_key(name))] = school


def _match(row: dict, register: _Register, municipality, errors: list[RowError]) -> School | None:
    by_login = register.by_login.get(row["fis_oko_login"]) if row["fis_oko_login"] else None
    by_name = register.by_name.get((municipality.pk, _name_key(row["name"]))) if municipality.pk else None
    if by_login and by_name and by_login.pk != by_name.pk:
        errors.append(RowError(row["row"], HEADER_BY_KEY["fis_oko_login"],
                               f"логин {row['fis_oko_login']} уже принадлежит школе «{by_login}», а по "
                               f"наименованию строка совпадает со школой «{by_name}»"))
        return None
    return by_login or by_name


def _check_duplicates(rows: list[dict]) -> list[RowError]:
    errors, seen_login, seen_name = [], {}, {}
    for row in rows:
        login = row["fis_oko_login"]
        if login:
            if login in seen_login:
                errors.append(RowError(row["row"], HEADER_BY_KEY["fis_oko_login"],
                                       f"логин {login} уже встречается в строке {seen_login[login]}"))
            seen_login.setdefault(login, row["row"])
        key = (_name_key(row["municipality"]), _name_key(row["name"]))
        if key in seen_name:
            errors.append(RowError(row["row"], HEADER_BY_KEY["name"],
                                   f"эта школа уже указана в строке {seen_name[key]}"))
        seen_name.setdefault(key, row["row"])
    return errors


def _validation_errors(row_number: int, exc: ValidationError) -> list[RowError]:
    errors = []
    for field_name, messages in exc.message_dict.items():
        column = HEADER_BY_KEY.get(field_name, "")
        errors.extend(RowError(row_number, column, message) for message in messages)
    return errors


def register_import(*, data: bytes, user, create_municipalities: bool = False, dry_run: bool = False,
                    max_unzipped: int | None = None) -> RegisterImportReport:
    """Import the school register from xlsx: all rows or none. Schools are matched by login, then by name."""
    parsed = parse_register(data, max_unzipped=max_unzipped)
    report = RegisterImportReport(errors=list(parsed.errors), dry_run=dry_run)
    valid_rows = [row for row in parsed.rows if not row["invalid"]]
    if not parsed.rows:
        return report
    report.errors.extend(_check_duplicates(valid_rows))
    register = _Register()
    planned: list[tuple[dict, School, bool]] = []
    new_municipalities: dict[str, Municipality] = {}
    for row in valid_rows:  # rows with unreadable cells are already reported; check the rest against the register
        key = _name_key(row["municipality"])
        municipality = register.municipalities.get(key) or new_municipalities.get(key)
        if municipality is None:
            if not create_municipalities:
                report.errors.append(RowError(row["row"], HEADER_BY_KEY["municipality"],
                                              f"муниципалитет «{row['municipality']}» не найден в реестре"))
                continue
            municipality = new_municipalities[key] = Municipality(name=row["municipality"])
        school = _match(row, register, municipality, report.errors)
        is_new = school is None
        school = school or School(aliases=[])
        values = {k: row[k] for k in SCHOOL_FIELDS if k != "municipality"}
        values["fis_oko_login"] = values["fis_oko_login"] or None
        changed = is_new or school.municipality_id != municipality.pk or any(
            getattr(school, k) != v for k, v in values.items())
        for k, v in values.items():
            setattr(school, k, v)
        school.municipality = municipality
        try:
            school.full_clean(exclude=["municipality"] if municipality.pk is None else None,
                              validate_unique=municipality.pk is not None and changed)
        except ValidationError as exc:
            report.errors.extend(_validation_errors(row["row"], exc))
        planned.append((row, school, is_new if changed else None))
    if report.errors:
        report.errors.sort(key=lambda e: (e.row or 0, e.column))
        return report
    report.rows = [
        {"row": row["row"], "school": school.short_name, "municipality": row["municipality"],
         "action": "создана" if state else ("обновлена" if state is False else "без изменений")}
        for row, school, state in planned
    ]
    report.created = sum(1 for _, _, s in planned if s is True)
    report.updated = sum(1 for _, _, s in planned if s is False)
    report.unchanged = sum(1 for _, _, s in planned if s is None)
    report.created_municipalities = [m.name for m in new_municipalities.values()]
    if dry_run:
        return report
    with transaction.atomic():
        for municipality in new_municipalities.values():
            municipality.save()
        for _, school, state in planned:
            if state is None:
                continue
            school._history_user = user
            school.save()
    return report
