"""ШНОР / ШНСУ / programme participant / resilient classification: pure functions over plain data.

Three methodologies («presets»), each a function of the schools' facts and a parameter dict. Every decision comes
with Russian reasons that quote the numbers behind it. See docs/METHODOLOGY.md, section «Классификация».
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

TWO = Decimal("0.01")


@dataclass
class SchoolFacts:
    school_id: int
    name: str
    oip: Decimal | None = None
    isbs: Decimal | None = None
    flags: int | None = None  # number of typology flags; None = unknown
    # (start year, assessment, subject code, grade) → (participants, participants with «2» / below minimum)
    procedures: dict[tuple, tuple[int, int]] = field(default_factory=dict)
    biased: bool = False
    objectivity: list[str] = field(default_factory=list)


@dataclass
class StatusResult:
    school_id: int
    shnor: bool = False
    shnsu: bool = False
    participant: bool = False
    resilient: bool = False
    reasons: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.reasons.append(text)


@dataclass
class Outcome:
    statuses: list[StatusResult]
    context: dict


def fmt(value, decimals: int = 2) -> str:
    """22.98 → «22,98» (Russian decimal comma)."""
    if value is None:
        return "—"
    quantum = Decimal(1).scaleb(-decimals)
    return str(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)).replace(".", ",")


def _mean(values: list[Decimal]) -> Decimal | None:
    return (sum(values) / len(values)).quantize(TWO, rounding=ROUND_HALF_UP) if values else None


def _reference(kind: str, facts: list[SchoolFacts], params: dict) -> tuple[Decimal | None, str]:
    """The mean a rule compares with: the district's own (computed over the schools) or the region's (a parameter)."""
    values = [getattr(f, kind) for f in facts if getattr(f, kind) is not None]
    if params.get(f"{kind}_mean_scope", "district") == "region":
        value = params.get(f"region_{kind}_mean")
        return (Decimal(str(value)) if value is not None else None), "среднего по региону"
    return _mean(values), "среднего по району"


LABEL = {"oip": "ОИП", "isbs": "ИСБШ"}


def _isbs_rule(facts: list[SchoolFacts], params: dict, results: dict[int, StatusResult], context: dict) -> None:
    """ШНСУ: ИСБШ below the mean and at least ``min_flags`` typology flags (multiple deprivation)."""
    isbs_mean, isbs_where = _reference("isbs", facts, params)
    context["isbs_mean"] = isbs_mean
    min_flags = int(params.get("min_flags", 2))
    for f in facts:
        r = results[f.school_id]
        if f.isbs is None or isbs_mean is None:
            r.add("ИСБШ нет: статус ШНСУ не определяется")
            continue
        low = f.isbs < isbs_mean
        flags = f.flags or 0
        if low and flags >= min_flags:
            r.shnsu = True
            r.add(f"ШНСУ: ИСБШ {fmt(f.isbs)} ниже {isbs_where} {fmt(isbs_mean)}, признаков типологии {flags} "
                  f"(нужно не менее {min_flags})")
        elif low:
            known = "признаки типологии неизвестны" if f.flags is None else f"признаков типологии {flags}"
            r.add(f"не ШНСУ: ИСБШ {fmt(f.isbs)} ниже {isbs_where} {fmt(isbs_mean)}, но {known} "
                  f"(нужно не менее {min_flags})")
        else:
            r.add(f"не ШНСУ: ИСБШ {fmt(f.isbs)} не ниже {isbs_where} {fmt(isbs_mean)}")


def yaroslavl(facts: list[SchoolFacts], params: dict) -> Outcome:
    """Ярославская область: ШНОР — ОИП ниже порога; ШНСУ — ИСБШ ниже среднего и ≥ 2 признаков типологии;
    участники программы — ОИП и ИСБШ ниже средних; резилиентные — ИСБШ ниже среднего, ОИП выше среднего."""
    threshold = Decimal(str(params.get("oip_threshold", 36)))
    results = {f.school_id: StatusResult(f.school_id) for f in facts}
    oip_mean, oip_where = _reference("oip", facts, params)
    context = {"oip_threshold": threshold, "oip_mean": oip_mean, "schools": len(facts)}
    for f in facts:
        r = results[f.school_id]
        if f.oip is None:
            r.add("ОИП нет: статус ШНОР не определяется")
        elif f.oip < threshold:
            r.shnor = True
            r.add(f"ШНОР: ОИП {fmt(f.oip)} ниже порога {fmt(threshold, 0)}")
        else:
            r.add(f"не ШНОР: ОИП {fmt(f.oip)} не ниже порога {fmt(threshold, 0)}")
    _isbs_rule(facts, params, results, context)
    isbs_mean = context["isbs_mean"]
    for f in facts:
        r = results[f.school_id]
        if None in (f.oip, f.isbs, oip_mean, isbs_mean):
            continue
        if f.oip < oip_mean and f.isbs < isbs_mean:
            r.participant = True
            r.add(f"участник программы: ОИП {fmt(f.oip)} ниже {oip_where} {fmt(oip_mean)} и ИСБШ {fmt(f.isbs)} "
                  f"ниже {fmt(isbs_mean)}")
        elif f.isbs < isbs_mean and f.oip >= oip_mean:
            r.resilient = True
            r.add(f"резилиентная: ИСБШ {fmt(f.isbs)} ниже среднего {fmt(isbs_mean)}, а ОИП {fmt(f.oip)} не ниже "
                  f"{oip_where} {fmt(oip_mean)}")
    return Outcome(list(results.values()), context)


def _share(participants: int, twos: int) -> Decimal:
    return (Decimal(100 * twos) / participants).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _procedure_name(key: tuple) -> str:
    _, assessment, subject, grade = key
    return f"{ {'vpr': 'ВПР', 'oge': 'ОГЭ', 'ege': 'ЕГЭ'}.get(assessment, assessment)} {subject} {grade} кл."


def rosobrnadzor_risk(facts: list[SchoolFacts], params: dict, *, year: int) -> Outcome:
    """Рособрнадзор, индикатор риска: ≥ 30 % участников ниже границы «2» в ≥ 2 процедурах года
    или в одной и той же процедуре два года подряд."""
    limit = Decimal(str(params.get("share_threshold", 30)))
    min_procedures = int(params.get("min_procedures", 2))
    min_participants = int(params.get("min_participants", 5))
    consecutive = bool(params.get("consecutive_years", True))
    results = {f.school_id: StatusResult(f.school_id) for f in facts}
    for f in facts:
        r = results[f.school_id]
        high = {}
        for key, (participants, twos) in f.procedures.items():
            if participants >= min_participants and _share(participants, twos) >= limit:
                high[key] = _share(participants, twos)
        this_year = sorted(k for k in high if k[0] == year)
        repeated = sorted(k for k in this_year if (year - 1, *k[1:]) in high) if consecutive else []
        if len(this_year) >= min_procedures:
            r.shnor = True
            listed = "; ".join(f"{_procedure_name(k)} — {fmt(high[k], 1)} %" for k in this_year)
            r.add(f"ШНОР (индикатор риска): доля «2» не ниже {fmt(limit, 0)} % в {len(this_year)} процедурах "
                  f"{year}/{year + 1} (нужно не менее {min_procedures}): {listed}")
        if repeated:
            r.shnor = True
            for k in repeated:
                r.add(f"ШНОР (индикатор риска): {_procedure_name(k)} — доля «2» {fmt(high[k], 1)} % в "
                      f"{year}/{year + 1} и {fmt(high[(year - 1, *k[1:])], 1)} % годом ранее")
        if not r.shnor and f.procedures:
            r.add(f"не ШНОР: процедур с долей «2» не ниже {fmt(limit, 0)} % в {year}/{year + 1}: {len(this_year)}")
        elif not f.procedures:
            r.add("результатов оценочных процедур нет: индикатор риска не рассчитывается")
    context = {"share_threshold": limit, "min_procedures": min_procedures, "schools": len(facts)}
    if params.get("shnsu_by_isbs", True):
        _isbs_rule(facts, params, results, context)
    return Outcome(list(results.values()), context)


def fioko_bottom(facts: list[SchoolFacts], params: dict, *, year: int) -> Outcome:
    """ФИОКО: нижние P % школ по доле «2» за два года, без школ с признаками необъективности."""
    percent = Decimal(str(params.get("bottom_percent", 10)))
    years = int(params.get("years", 2))
    assessments = set(params.get("assessments", ["vpr"]))
    subjects = set(params.get("subjects", ["rus", "math"]))
    min_participants = int(params.get("min_participants", 10))
    exclude_biased = bool(params.get("exclude_biased", True))
    results = {f.school_id: StatusResult(f.school_id) for f in facts}
    shares = {}
    for f in facts:
        total = twos = 0
        for (start, assessment, subject, _grade), (participants, count) in f.procedures.items():
            if year - years < start <= year and assessment in assessments and subject in subjects:
                total, twos = total + participants, twos + count
        if total < min_participants:
            results[f.school_id].add(f"доля «2» за {years} г. не рассчитывается: участников {total} "
                                     f"(нужно не менее {min_participants})")
            continue
        shares[f.school_id] = _share(total, twos)
    ranked = sorted(shares, key=lambda sid: shares[sid], reverse=True)
    count = int((Decimal(len(ranked)) * percent / 100).to_integral_value(rounding=ROUND_HALF_UP)) if ranked else 0
    count = max(count, 1) if ranked else 0
    bottom = ranked[:count]
    cutoff = shares[bottom[-1]] if bottom else None
    by_id = {f.school_id: f for f in facts}
    for sid in ranked:
        r, f = results[sid], by_id[sid]
        if sid in bottom and f.biased and exclude_biased:
            r.add(f"исключена из нижних {fmt(percent, 0)} %: доля «2» {fmt(shares[sid], 1)} %, но есть признаки "
                  f"необъективности результатов ({'; '.join(f.objectivity) or 'см. проверки'})")
        elif sid in bottom:
            r.shnor = True
            r.add(f"ШНОР: доля «2» за {years} г. {fmt(shares[sid], 1)} % — среди нижних {fmt(percent, 0)} % школ "
                  f"муниципалитета (граница {fmt(cutoff, 1)} %)")
        else:
            r.add(f"не ШНОР: доля «2» за {years} г. {fmt(shares[sid], 1)} %, граница нижних {fmt(percent, 0)} % — "
                  f"{fmt(cutoff, 1)} %")
    context = {"bottom_percent": percent, "cutoff": cutoff, "ranked": len(ranked), "schools": len(facts)}
    if params.get("shnsu_by_isbs", True):
        _isbs_rule(facts, params, results, context)
    return Outcome(list(results.values()), context)


PRESETS: dict[str, Callable] = {
    "yaroslavl": lambda facts, params, year: yaroslavl(facts, params),
    "rosobrnadzor_risk": lambda facts, params, year: rosobrnadzor_risk(facts, params, year=year),
    "fioko_bottom": lambda facts, params, year: fioko_bottom(facts, params, year=year),
}


def classify(facts: list[SchoolFacts], *, preset: str, params: dict, year: int) -> Outcome:
    if preset not in PRESETS:
        raise ValueError(f"неизвестная методика «{preset}»")
    return PRESETS[preset](facts, params, year)
