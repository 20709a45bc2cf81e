"""Computed target indicators: named functions over the portal's own data (METHODOLOGY §8.2).

Every function takes ``(municipality, academic_year, params)`` and returns a ``Result``: the value, the numerator
and the denominator it came from, and ``details`` (which schools or activities were counted, and why a value is
missing). Missing data never raises: the value is None and ``details["message"]`` says what is missing, in Russian.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from indicators.choices import Assessment, IndexKind, IndexSource
from indicators.models import IndexValue, SchoolResult, SchoolStatus, Subject
from indicators.runs import latest_run
from portal.charts import format_number
from schools.models import AcademicYear, Municipality, School

SCHOOLS = ("школы", "школ")              # «7 из 20 школ»: genitive singular and plural
PARTICIPANTS = ("участника", "участников")
ACTIVITIES = ("мероприятия", "мероприятий")


@dataclass(frozen=True)
class Result:
    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Computation:
    key: str
    name: str
    numerator: str
    denominator: str
    unit: str                       # "percent" or "count"
    noun: tuple[str, str]
    params: str                     # the parameters it understands, for people
    function: Callable[[Municipality, AcademicYear, dict], Result]
    defaults: dict = field(default_factory=dict)
    do_not_call_in_templates = True  # a template reads its name and formula; it must not call it

    def __call__(self, municipality, academic_year, params: dict | None = None) -> Result:
        return self.function(municipality, academic_year, {**self.defaults, **(params or {})})


COMPUTATIONS: dict[str, Computation] = {}


def register(key: str, *, name: str, numerator: str, denominator: str, unit: str = "percent",
             noun: tuple[str, str] = SCHOOLS, params: str = "", defaults: dict | None = None):
    def decorator(function):
        COMPUTATIONS[key] = Computation(key=key, name=name, numerator=numerator, denominator=denominator, unit=unit,
                                        noun=noun, params=params, function=function, defaults=defaults or {})
        return function

    return decorator


# --- helpers --------------------------------------------------------------------------------------------------------

def share(numerator, denominator) -> Decimal:
    """Percentage rounded half up to hundredths."""
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def fraction_text(numerator, denominator, noun: tuple[str, str] | None = None) -> str:
    """«7 из 20 школ», «1 из 21 школы»; without a noun «7 из 20»."""
    if numerator is None or denominator is None:
        return ""
    n, d = format_number(numerator, 2, strip_zeros=True), format_number(denominator, 2, strip_zeros=True)
    if noun is None:
        return f"{n} из {d}"
    whole = int(denominator) if Decimal(denominator) == int(denominator) else None
    word = noun[0] if whole is not None and whole % 10 == 1 and whole % 100 != 11 else noun[1]
    return f"{n} из {d} {word}"


def _none(message: str, **details) -> Result:
    return Result(value=None, details={"message": message, **details})


def _previous(year: AcademicYear) -> AcademicYear | None:
    return AcademicYear.objects.filter(start_year=year.start_year - 1).first()


def _previous_label(year: AcademicYear) -> str:
    return f"{year.start_year - 1}/{year.start_year}"


def calendar_year(year: AcademicYear) -> int:
    """The calendar year an academic year ends in: its exams and final results fall in it (2023/2024 → 2024)."""
    return year.start_year + 1


def _pct(value) -> str:
    return f"{format_number(value, 2, strip_zeros=True)}\u00a0%"


GROUPS = {
    "shnor": "ШНОР",
    "participants": "участники программы",
    "programme": "школы программы (участники и ШНОР)",
    "all": "все школы муниципалитета",
}


def _group(municipality, year: AcademicYear, group: str) -> tuple[dict[int, str] | None, str, int | None]:
    """(school id → name, message, run id): the schools of a group in the latest finished run of the year."""
    if group not in GROUPS:
        return None, f"неизвестная группа школ «{group}»; допустимо: " + ", ".join(GROUPS), None
    if group == "all":
        schools = dict(School.objects.filter(municipality=municipality, is_active=True)
                       .values_list("pk", "short_name"))
        return (schools, "", None) if schools else (None, "в муниципалитете нет действующих школ", None)
    run = latest_run(municipality, year)
    if run is None:
        return None, f"нет завершённого расчёта классификации за {year.label}", None
    statuses = SchoolStatus.objects.filter(run=run)
    if group == "shnor":
        statuses = statuses.filter(is_shnor=True)
    elif group == "participants":
        statuses = statuses.filter(is_participant=True)
    else:
        statuses = statuses.filter(Q(is_shnor=True) | Q(is_participant=True))
    schools = dict(statuses.values_list("school_id", "school__short_name"))
    if not schools:
        return None, f"в расчёте классификации № {run.pk} за {year.label} нет школ группы «{GROUPS[group]}»", run.pk
    return schools, "", run.pk


def _codes(value) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _subjects(params: dict, key: str = "subject") -> tuple[list[str] | None, str, str]:
    """(subject codes or None for all, label «по предмету «Математика»», error message)."""
    codes = _codes(params.get(key))
    if not codes:
        return None, "", ""
    names = dict(Subject.objects.filter(code__in=codes).values_list("code", "name"))
    unknown = [c for c in codes if c not in names]
    if unknown:
        return None, "", "неизвестный предмет: " + ", ".join(f"«{c}»" for c in unknown)
    label = ", ".join(f"«{names[c]}»" for c in codes)
    return codes, (f" по предмету {label}" if len(codes) == 1 else f" по предметам {label}"), ""


def _assessments(params: dict) -> tuple[list[str], str, str]:
    codes = _codes(params.get("assessments") or params.get("assessment"))
    labels = dict(Assessment.choices)
    unknown = [c for c in codes if c not in labels]
    if not codes or unknown:
        return [], "", "неизвестная процедура: " + (", ".join(unknown) or "не указана")
    return codes, ", ".join(labels[c] for c in codes), ""


def _failures(school_ids, year: AcademicYear, assessments: list[str], subjects: list[str] | None,
              grade) -> dict[int, tuple[int, int]]:
    """Per school: (participants, «2» — for ЕГЭ those below the minimum score), summed over subjects and grades."""
    rows = SchoolResult.objects.filter(school_id__in=school_ids, academic_year=year, assessment__in=assessments)
    if subjects is not None:
        rows = rows.filter(subject__code__in=subjects)
    if grade not in (None, ""):
        rows = rows.filter(grade=int(grade))
    totals: dict[int, tuple[int, int]] = {}
    for school_id, assessment, participants, mark2, below in rows.values_list(
            "school_id", "assessment", "participants", "mark2", "below_minimum"):
        if assessment == Assessment.EGE and below is not None:
            twos = below
        else:
            twos = mark2 if mark2 is not None else below
        if not participants or twos is None:
            continue
        p, t = totals.get(school_id, (0, 0))
        totals[school_id] = (p + participants, t + twos)
    return totals


def _oip(school_ids, year: AcademicYear) -> dict[int, Decimal]:
    """ОИП of each school: the published (imported) value, else the one the portal computed."""
    found: dict[int, dict[str, Decimal]] = {}
    for school_id, source, value in IndexValue.objects.filter(
            school_id__in=school_ids, academic_year=year, kind=IndexKind.OIP).values_list("school_id", "source",
                                                                                          "value"):
        found.setdefault(school_id, {})[source] = value
    return {sid: by.get(IndexSource.IMPORTED, by.get(IndexSource.COMPUTED)) for sid, by in found.items()}


def _lists(*pairs) -> list[dict]:
    return [{"label": label, "items": items} for label, items in pairs if items]


# --- 1. positive dynamics of the share of «2» -------------------------------------------------------------------------

@register("shnor_positive_dynamics",
          name="Доля ШНОР с положительной динамикой результатов (доля «2» снизилась к прошлому году)",
          numerator="ШНОР, у которых доля «2» (для ЕГЭ — не преодолевших минимальный балл) по процедуре и предмету "
                    "ниже, чем в прошлом учебном году",
          denominator="ШНОР последнего расчёта классификации за год, у которых есть результаты за оба года",
          params="assessment (oge, ege, vpr), subject (код предмета или список), grade (класс, необязательно), "
                 "group (shnor, participants, programme, all)",
          defaults={"assessment": "oge", "subject": "math", "group": "shnor"})
def shnor_positive_dynamics(municipality, year, params) -> Result:
    assessments, what, error = _assessments(params)
    subjects, subject_label, subject_error = _subjects(params)
    if error or subject_error:
        return _none(error or subject_error)
    schools, message, run_id = _group(municipality, year, params["group"])
    if schools is None:
        return _none(message)
    previous = _previous(year)
    current = _failures(list(schools), year, assessments, subjects, params.get("grade"))
    if not current:
        return _none(f"нет результатов {what}{subject_label} за {year.label}", run=run_id)
    before = _failures(list(schools), previous, assessments, subjects, params.get("grade")) if previous else {}
    if not before:
        return _none(f"нет результатов {what}{subject_label} за {_previous_label(year)}", run=run_id)
    positive, other, missing = [], [], []
    for school_id, name in sorted(schools.items(), key=lambda item: item[1]):
        if school_id not in current or school_id not in before:
            missing.append(name)
            continue
        (participants, twos), (was_participants, was_twos) = current[school_id], before[school_id]
        now, was = share(twos, participants), share(was_twos, was_participants)
        (positive if now < was else other).append(f"{name}: {_pct(was)} → {_pct(now)}")
    compared = len(positive) + len(other)
    if not compared:
        return _none(f"ни у одной школы группы нет результатов {what}{subject_label} за оба года "
                     f"({_previous_label(year)} и {year.label})", run=run_id)
    return Result(share(len(positive), compared), Decimal(len(positive)), Decimal(compared), {
        "run": run_id, "lists": _lists(("доля «2» снизилась", positive), ("доля «2» не снизилась", other),
                                       ("не учтены: нет результатов за оба года", missing))})


# --- 2. ОИП growth ----------------------------------------------------------------------------------------------------

@register("oip_growth",
          name="Доля школ программы с приростом ОИП к прошлому учебному году",
          numerator="школы группы, у которых ОИП выше, чем в прошлом учебном году",
          denominator="школы группы (по последнему расчёту классификации за год), у которых есть ОИП за оба года",
          params="group (programme — участники и ШНОР, participants, shnor, all)",
          defaults={"group": "programme"})
def oip_growth(municipality, year, params) -> Result:
    schools, message, run_id = _group(municipality, year, params["group"])
    if schools is None:
        return _none(message)
    current = _oip(list(schools), year)
    if not current:
        return _none(f"нет ОИП школ за {year.label}", run=run_id)
    previous = _previous(year)
    before = _oip(list(schools), previous) if previous else {}
    if not before:
        return _none(f"нет ОИП школ за {_previous_label(year)}", run=run_id)
    grew, other, missing = [], [], []
    for school_id, name in sorted(schools.items(), key=lambda item: item[1]):
        if school_id not in current or school_id not in before:
            missing.append(name)
            continue
        text = f"{name}: {format_number(before[school_id])} → {format_number(current[school_id])}"
        (grew if current[school_id] > before[school_id] else other).append(text)
    compared = len(grew) + len(other)
    if not compared:
        return _none(f"ни у одной школы группы нет ОИП за оба года ({_previous_label(year)} и {year.label})",
                     run=run_id)
    return Result(share(len(grew), compared), Decimal(len(grew)), Decimal(compared), {
        "run": run_id, "lists": _lists(("ОИП вырос", grew), ("ОИП не вырос", other),
                                       ("не учтены: нет ОИП за оба года", missing))})


# --- 3, 4. ОИП not below a threshold ----------------------------------------------------------------------------------

def _oip_threshold(municipality, year, params) -> Result:
    try:
        threshold = Decimal(str(params["threshold"]))
    except (ArithmeticError, ValueError, TypeError):
        return _none(f"порог ОИП «{params.get('threshold')}» — не число")
    schools, message, run_id = _group(municipality, year, params["group"])
    if schools is None:
        return _none(message)
    values = _oip(list(schools), year)
    if not values:
        return _none(f"нет ОИП школ за {year.label}", run=run_id)
    above, below, missing = [], [], []
    for school_id, name in sorted(schools.items(), key=lambda item: item[1]):
        if school_id not in values:
            missing.append(name)
            continue
        (above if values[school_id] >= threshold else below).append(f"{name}: {format_number(values[school_id])}")
    counted = len(above) + len(below)
    return Result(share(len(above), counted), Decimal(len(above)), Decimal(counted), {
        "run": run_id, "threshold": str(threshold),
        "lists": _lists((f"ОИП не ниже {format_number(threshold, 2, strip_zeros=True)}", above),
                        (f"ОИП ниже {format_number(threshold, 2, strip_zeros=True)}", below),
                        ("не учтены: нет ОИП", missing))})


register("oip_regional_threshold",
         name="Доля школ программы с ОИП не ниже регионального порога",
         numerator="школы группы с ОИП не ниже порога (по умолчанию 36 — целевой показатель региональной программы "
                   "Ярославской области)",
         denominator="школы группы (по последнему расчёту классификации за год), у которых есть ОИП за год",
         params="threshold (порог, по умолчанию 36), group (programme, participants, shnor, all)",
         defaults={"threshold": 36, "group": "programme"})(_oip_threshold)
register("oip_municipal_threshold",
         name="Доля школ программы с ОИП не ниже муниципального порога",
         numerator="школы группы с ОИП не ниже порога (по умолчанию 26 — целевой муниципальный показатель)",
         denominator="школы группы (по последнему расчёту классификации за год), у которых есть ОИП за год",
         params="threshold (порог, по умолчанию 26), group (programme, participants, shnor, all)",
         defaults={"threshold": 26, "group": "programme"})(_oip_threshold)


# --- 5, 6, 7. Share of «2» / below the minimum ------------------------------------------------------------------------

def _fail_share(municipality, year, params) -> Result:
    assessments, what, error = _assessments(params)
    subjects, subject_label, subject_error = _subjects(params, "subjects" if "subjects" in params else "subject")
    if error or subject_error:
        return _none(error or subject_error)
    schools, message, run_id = _group(municipality, year, params.get("group") or "all")
    if schools is None:
        return _none(message)
    totals = _failures(list(schools), year, assessments, subjects, params.get("grade"))
    grade = f", {params['grade']} класс" if params.get("grade") not in (None, "") else ""
    if not totals:
        return _none(f"нет результатов {what}{subject_label}{grade} за {year.label}", run=run_id)
    participants = sum(p for p, _ in totals.values())
    twos = sum(t for _, t in totals.values())
    rows = [f"{schools[sid]}: {fraction_text(t, p)} ({_pct(share(t, p))})"
            for sid, (p, t) in sorted(totals.items(), key=lambda item: schools[item[0]])]
    missing = sorted(name for sid, name in schools.items() if sid not in totals)
    return Result(share(twos, participants), Decimal(twos), Decimal(participants), {
        "run": run_id, "lists": _lists(("по школам", rows), ("нет результатов", missing))})


register("ege_below_minimum_share",
         name="Доля участников ЕГЭ, не преодолевших минимальный балл",
         numerator="результаты участников ЕГЭ ниже минимального балла (по базовой математике — отметка «2»)",
         denominator="участники ЕГЭ (сумма по предметам)",
         noun=PARTICIPANTS, params="subject (код предмета или список; пусто — все предметы), group",
         defaults={"assessment": Assessment.EGE})(_fail_share)
register("oge_fail_share",
         name="Доля участников ОГЭ, получивших «2»",
         numerator="участники ОГЭ с отметкой «2»",
         denominator="участники ОГЭ (сумма по предметам)",
         noun=PARTICIPANTS, params="subject (код предмета или список; пусто — все предметы), group",
         defaults={"assessment": Assessment.OGE})(_fail_share)
register("vpr_fail_share",
         name="Доля участников ВПР, получивших «2»",
         numerator="участники ВПР с отметкой «2»",
         denominator="участники ВПР (сумма по классам и предметам)",
         noun=PARTICIPANTS, params="subject (код предмета или список), grade (класс, необязательно), group",
         defaults={"assessment": Assessment.VPR})(_fail_share)
register("gia_fail_share",
         name="Доля результатов ВПР, ОГЭ, ЕГЭ по обязательным предметам ниже минимума",
         numerator="результаты с отметкой «2» или ниже минимального балла ЕГЭ по выбранным процедурам и предметам",
         denominator="все результаты участников этих процедур и предметов (обучающийся, писавший два предмета, "
                     "учитывается дважды)",
         noun=PARTICIPANTS, params="assessments (список: vpr, oge, ege), subjects (список кодов предметов), group",
         defaults={"assessments": [Assessment.VPR, Assessment.OGE, Assessment.EGE],
                   "subjects": ["rus", "math", "math_base", "math_prof"]})(_fail_share)


# --- 8. Schools that left the ШНОР list, and the share of ШНОР --------------------------------------------------------

@register("shnor_left",
          name="Число школ, вышедших из списка ШНОР",
          numerator="школы, которые были ШНОР в последнем расчёте прошлого учебного года, а в последнем расчёте "
                    "этого года — нет",
          denominator="ШНОР последнего расчёта прошлого учебного года",
          unit="count")
def shnor_left(municipality, year, params) -> Result:
    run = latest_run(municipality, year)
    if run is None:
        return _none(f"нет завершённого расчёта классификации за {year.label}")
    previous = _previous(year)
    before = latest_run(municipality, previous) if previous else None
    if before is None:
        return _none(f"нет завершённого расчёта классификации за {_previous_label(year)}")
    was = dict(SchoolStatus.objects.filter(run=before, is_shnor=True).values_list("school_id", "school__short_name"))
    now = dict(SchoolStatus.objects.filter(run=run).values_list("school_id", "is_shnor"))
    left = sorted(name for sid, name in was.items() if now.get(sid) is False)
    stayed = sorted(name for sid, name in was.items() if now.get(sid))
    gone = sorted(name for sid, name in was.items() if sid not in now)
    return Result(Decimal(len(left)), Decimal(len(left)), Decimal(len(was)), {
        "run": run.pk, "previous_run": before.pk,
        "lists": _lists(("вышли из списка ШНОР", left), ("остались ШНОР", stayed),
                        ("нет в расчёте этого года (не действуют)", gone))})


@register("shnor_share",
          name="Доля ШНОР среди школ муниципалитета",
          numerator="школы со статусом ШНОР в последнем расчёте классификации за год",
          denominator="все школы этого расчёта")
def shnor_share(municipality, year, params) -> Result:
    run = latest_run(municipality, year)
    if run is None:
        return _none(f"нет завершённого расчёта классификации за {year.label}")
    statuses = list(SchoolStatus.objects.filter(run=run).values_list("school__short_name", "is_shnor"))
    if not statuses:
        return _none(f"в расчёте классификации № {run.pk} нет школ")
    shnor = sorted(name for name, flag in statuses if flag)
    return Result(share(len(shnor), len(statuses)), Decimal(len(shnor)), Decimal(len(statuses)),
                  {"run": run.pk, "lists": _lists(("ШНОР", shnor))})


# --- 9, 10. Roadmap execution -----------------------------------------------------------------------------------------

def _roadmaps(municipality, params) -> list:
    from roadmap.models import Roadmap, RoadmapScope, RoadmapStatus

    roadmaps = Roadmap.objects.filter(municipality=municipality, status=RoadmapStatus.APPROVED)
    if params.get("scope", "municipal") != "all":
        roadmaps = roadmaps.filter(scope=RoadmapScope.MUNICIPAL)
    return list(roadmaps.order_by("pk"))


def _is_done(cell) -> bool:
    from roadmap.models import ReportStatus

    return cell.status == ReportStatus.DONE or bool(cell.school_total and cell.school_done == cell.school_total)


@register("roadmap_done_on_time",
          name="Доля мероприятий дорожной карты, выполненных в срок",
          numerator="мероприятия со сроком в году, у которых за каждый квартал с наступившим сроком есть отчёт "
                    "«выполнено» (для адресованных школам — или все школы отчитались «выполнено»)",
          denominator="мероприятия утверждённых муниципальных дорожных карт, у которых в году есть срок "
                      "(для текущего года — срок, наступивший к сегодняшнему дню)",
          noun=ACTIVITIES, params="scope (municipal — только муниципальные дорожные карты, all — и школьные)")
def roadmap_done_on_time(municipality, year, params) -> Result:
    from roadmap import selectors

    calendar = calendar_year(year)
    today = selectors.today()
    if date(calendar, 1, 1) > today:
        return _none(f"{calendar} год ещё не начался")
    roadmaps = _roadmaps(municipality, params)
    if not roadmaps:
        return _none("нет утверждённых дорожных карт муниципалитета")
    on = min(date(calendar, 12, 31), today)
    done, late = [], []
    for roadmap in roadmaps:
        loaded = selectors.load(roadmap)
        for activity in loaded.activities:
            cells = [selectors.cell_for(activity, calendar, q, loaded.reports, on=on, schools=loaded.targets(activity))
                     for q in selectors.QUARTERS]
            due = [c for c in cells if any(d <= on for d in c.due)]
            if not due:
                continue
            label = f"{activity.number} {activity.title[:80]}".strip()
            (done if all(_is_done(c) for c in due) else late).append(label)
    counted = len(done) + len(late)
    if not counted:
        return _none(f"у мероприятий утверждённых дорожных карт нет сроков в {calendar} году"
                     + (f" до {on:%d.%m.%Y}" if on < date(calendar, 12, 31) else ""))
    return Result(share(len(done), counted), Decimal(len(done)), Decimal(counted), {
        "calendar_year": calendar, "on": on.isoformat(),
        "lists": _lists(("выполнены в срок", done), ("не выполнены к сроку", late))})


@register("roadmap_overdue",
          name="Число просроченных мероприятий дорожной карты на конец года",
          numerator="мероприятия утверждённых муниципальных дорожных карт, просроченные на конец года (для текущего "
                    "года — на сегодня) по правилу раздела 7.3",
          denominator="все мероприятия этих дорожных карт",
          unit="count", noun=ACTIVITIES, params="scope (municipal или all)")
def roadmap_overdue(municipality, year, params) -> Result:
    from roadmap import selectors

    calendar = calendar_year(year)
    today = selectors.today()
    if date(calendar, 1, 1) > today:
        return _none(f"{calendar} год ещё не начался")
    roadmaps = _roadmaps(municipality, params)
    if not roadmaps:
        return _none("нет утверждённых дорожных карт муниципалитета")
    on = min(date(calendar + 1, 1, 1), today)
    overdue, total = [], 0
    for roadmap in roadmaps:
        total += roadmap.activities.count()
        overdue += [f"{a.number} {a.title[:80]}".strip() for a, _ in selectors.overdue_activities(roadmap, on=on)]
    return Result(Decimal(len(overdue)), Decimal(len(overdue)), Decimal(total), {
        "calendar_year": calendar, "on": on.isoformat(), "lists": _lists(("просрочены", overdue))})
