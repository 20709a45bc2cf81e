"""The portal's own municipal indices ОИП and ИСБШ (pure: plain dataclasses in, plain dataclasses out).

The official Yaroslavl (ЦОиККО) formulas are not public, so these are transparent *computed* indices of the portal,
not the regional ones: every weight, direction and threshold is a parameter, and every result carries a Russian
explanation of how it was obtained. Regional values are imported separately (``IndexValue.source = imported``).

ОИП (общий интегральный показатель)
    Each component is turned into a percentile rank within the municipality (0 = worst, 100 = best, ties share the
    average rank, see :func:`percentile_ranks`). The ОИП is the weighted mean of the ranks of the components the
    school has; the weights of the missing components are redistributed proportionally (explicit re-normalisation).
    A component that fewer than ``min_schools`` schools have is dropped for every school.

ИСБШ (индекс социального благополучия школы)
    ``mode="weights"``: ИСБШ = 50 + 10 × Σ wₖ·zₖ, zₖ the variable standardised within the municipality.
    ``mode="fitted"``: ordinary least squares of an outcome on the standardised variables; ИСБШ is the expected
    (fitted) outcome on the 50 ± 10 scale: 50 + 10 × (ŷ − mean ŷ) / SD(ŷ).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import numpy as np

TWO_PLACES = Decimal("0.01")

Direction = Literal["higher", "lower"]

# --------------------------------------------------------------------------------------------------------------------
# ОИП
# --------------------------------------------------------------------------------------------------------------------

DEFAULT_OIP_WEIGHTS: dict[str, float] = {
    "ege": 0.25,
    "oge": 0.25,
    "vpr": 0.20,
    "retention": 0.10,
    "olympiads": 0.10,
    "objectivity": 0.10,
}
DEFAULT_OIP_DIRECTIONS: dict[str, Direction] = {
    "ege": "higher",  # средний тестовый балл ЕГЭ (русский язык + профильная математика)
    "oge": "lower",  # доля «2» ОГЭ (русский язык + математика), %
    "vpr": "lower",  # доля «2» ВПР (все предметы), %
    "retention": "higher",  # сохранность контингента, %
    "olympiads": "higher",  # участников олимпиад на 100 обучающихся
    "objectivity": "higher",  # доля отметок ВПР, подтверждённых журналом, %
}
DEFAULT_OIP_LABELS: dict[str, str] = {
    "ege": "ЕГЭ",
    "oge": "ОГЭ",
    "vpr": "ВПР",
    "retention": "СК",
    "olympiads": "Олимпиады",
    "objectivity": "Объективность",
}


@dataclass(frozen=True)
class OipInput:
    """Raw component values of one school; None = no value. ``missing_reasons`` says why (shown to users)."""

    school_id: Hashable
    name: str
    components: dict[str, float | None]
    missing_reasons: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OipParams:
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_OIP_WEIGHTS))
    directions: dict[str, Direction] = field(default_factory=lambda: dict(DEFAULT_OIP_DIRECTIONS))
    min_schools: int = 3
    labels: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_OIP_LABELS))


@dataclass(frozen=True)
class OipResult:
    """``parts[key]`` = {"raw", "percentile", "weight" (as given), "used_weight" (re-normalised, 0 if unused)}.

    ``missing``: components without a value at this school; ``dropped``: components dropped for every school
    (fewer than ``min_schools`` values). Both have their weight redistributed.
    """

    school_id: Hashable
    value: Decimal | None
    parts: dict[str, dict[str, Any]]
    missing: list[str]
    explanation: str
    dropped: list[str] = field(default_factory=list)


def percentile_ranks(values: Mapping[Hashable, float], direction: Direction = "higher") -> dict[Hashable, float]:
    """Percentile rank of each value among all of them: 0 = worst, 100 = best.

    With n values ordered from worst to best, a value gets its average rank r (1 = worst, n = best; tied values
    share the mean of the places they occupy) and the percentile 100 × (r − 1) / (n − 1). Equivalently
    100 × (worse + (tied − 1) / 2) / (n − 1), where ``worse`` counts the values strictly worse and ``tied`` the
    values equal to it (itself included). A single value, or all values equal, gives 50.
    """
    _check_direction(direction)
    sign = 1.0 if direction == "higher" else -1.0
    oriented = {key: sign * float(v) for key, v in values.items()}
    n = len(oriented)
    if n == 0:
        return {}
    if n == 1:
        return {key: 50.0 for key in oriented}
    ordered = sorted(oriented.values())
    result = {}
    for key, v in oriented.items():
        worse = bisect_left(ordered, v)
        tied = bisect_right(ordered, v) - worse
        result[key] = 100.0 * (worse + (tied - 1) / 2) / (n - 1)
    return result


def compute_oip(inputs: Sequence[OipInput], params: OipParams | None = None) -> list[OipResult]:
    """ОИП of every school of one municipality and year, in the order of ``inputs``."""
    params = params or OipParams()
    keys = _check_oip_params(params)
    _check_unique(i.school_id for i in inputs)
    raw = {i.school_id: {k: _clean(i.components.get(k)) for k in keys} for i in inputs}

    percentiles: dict[str, dict[Hashable, float]] = {}
    dropped: dict[str, int] = {}
    for key in keys:
        present = {sid: comps[key] for sid, comps in raw.items() if comps[key] is not None}
        if len(present) < params.min_schools:
            dropped[key] = len(present)
        else:
            percentiles[key] = percentile_ranks(present, params.directions[key])

    return [_oip_one(i, raw[i.school_id], keys, percentiles, dropped, params) for i in inputs]


def _oip_one(item: OipInput, raw: dict[str, float | None], keys: list[str],
             percentiles: dict[str, dict[Hashable, float]], dropped: dict[str, int], params: OipParams) -> OipResult:
    label = params.labels.get
    available = [k for k in keys if k in percentiles and item.school_id in percentiles[k]]
    missing = [k for k in keys if k not in dropped and k not in available]
    total = sum(params.weights[k] for k in available)
    parts = {}
    for k in keys:
        pct = percentiles.get(k, {}).get(item.school_id)
        parts[k] = {
            "raw": raw[k],
            "percentile": None if pct is None else round(pct, 2),
            "weight": params.weights[k],
            "used_weight": params.weights[k] / total if k in available else 0.0,
        }

    notes = []
    for k in missing:
        reason = item.missing_reasons.get(k) or "нет данных"
        notes.append(f"{label(k, k)} — нет ({reason}): вес {_fmt_weight(params.weights[k])} распределён между "
                     f"остальными компонентами пропорционально их весам.")
    for k, count in dropped.items():
        notes.append(f"Компонент «{label(k, k)}» не учитывается ни у одной школы: значение есть у {count} "
                     f"{_schools_word(count)} муниципалитета, нужно не менее {params.min_schools}; его вес "
                     f"{_fmt_weight(params.weights[k])} распределён между остальными компонентами.")

    if not available:
        explanation = " ".join([
            "ОИП не рассчитан: у школы нет ни одного учитываемого компонента.",
            *notes,
        ])
        return OipResult(item.school_id, None, parts, missing, explanation, list(dropped))

    score = sum(parts[k]["used_weight"] * percentiles[k][item.school_id] for k in available)
    value = _decimal(score)
    terms = " + ".join(
        f"{_fmt_weight(parts[k]['used_weight'])}×{label(k, k)} ({_fmt(percentiles[k][item.school_id])})"
        for k in available)
    explanation = " ".join([
        f"ОИП {_fmt(value)} = {terms}.",
        "В скобках — процентильный ранг школы в муниципалитете по компоненту (0 — худший результат, "
        "100 — лучший; при равных значениях — средний ранг).",
        *notes,
        "Это муниципальный показатель, рассчитанный порталом, а не региональный ОИП ЦОиККО.",
    ])
    return OipResult(item.school_id, value, parts, missing, explanation, list(dropped))


def _check_oip_params(params: OipParams) -> list[str]:
    if params.min_schools < 1:
        raise ValueError("min_schools должно быть не меньше 1")
    keys = []
    for key, weight in params.weights.items():
        if weight is None or not math.isfinite(weight) or weight < 0:
            raise ValueError(f"вес компонента «{key}» должен быть неотрицательным числом, а не {weight!r}")
        if weight == 0:
            continue
        if key not in params.directions:
            raise ValueError(f"для компонента «{key}» не задано направление (higher/lower)")
        _check_direction(params.directions[key])
        keys.append(key)
    if not keys:
        raise ValueError("у всех компонентов ОИП нулевой вес")
    return keys


# --------------------------------------------------------------------------------------------------------------------
# ИСБШ
# --------------------------------------------------------------------------------------------------------------------

# Signed weights of the standardised variables (+ favourable, − unfavourable); Σ|w| = 1.
DEFAULT_ISBS_WEIGHTS: dict[str, float] = {
    "parents_higher_education": 0.25,
    "single_parent_families": -0.15,
    "unemployed_parents": -0.15,
    "russian_not_native": -0.10,
    "disabilities_ovz": -0.10,
    "preventive_registration": -0.10,
    "rural": -0.10,
    "small": -0.05,
}
DEFAULT_ISBS_VARIABLES: tuple[str, ...] = tuple(DEFAULT_ISBS_WEIGHTS)
DEFAULT_ISBS_LABELS: dict[str, str] = {
    "parents_higher_education": "оба родителя с высшим образованием, %",
    "single_parent_families": "из неполных семей, %",
    "unemployed_parents": "с безработными родителями, %",
    "russian_not_native": "русский язык не родной, %",
    "disabilities_ovz": "с ОВЗ, %",
    "preventive_registration": "на профилактическом учёте, %",
    "rural": "сельская школа (1/0)",
    "small": "малокомплектная школа (1/0)",
}

_EPS = 1e-12


@dataclass(frozen=True)
class IsbsInput:
    """Context variables of one school (shares in %, flags 0/1; None = unknown) and the outcome for fitting."""

    school_id: Hashable
    name: str
    variables: dict[str, float | None]
    outcome: float | None = None


@dataclass(frozen=True)
class IsbsParams:
    """``weights`` (signed) are used in the "weights" mode, ``variables`` in the "fitted" mode.

    ``outcome_direction``: "higher" if a larger outcome is better (ОИП, mean score), "lower" for e.g. a share of «2».
    """

    mode: Literal["weights", "fitted"] = "weights"
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_ISBS_WEIGHTS))
    variables: tuple[str, ...] = DEFAULT_ISBS_VARIABLES
    outcome_direction: Direction = "higher"
    labels: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ISBS_LABELS))


@dataclass(frozen=True)
class IsbsModel:
    """The model behind one ИСБШ run, to store as a model version.

    ``coefficients``: the weights (mode "weights") or the OLS coefficients per one standard deviation of each
    variable, in outcome units (mode "fitted"); ``raw_coefficients``: the same per one unit of the variable (п.п.);
    ``intercept``, ``r2``: of the OLS fit (None for "weights"); ``n``: schools the model was standardised and fitted
    on; ``excluded``: school ids left out of the fit/scoring; ``dropped``: variable → why it was dropped;
    ``scale``: SD of the fitted values (ИСБШ = 50 + 10 × (ŷ − intercept) / scale).
    """

    mode: str
    coefficients: dict[str, float]
    intercept: float | None
    r2: float | None
    n: int
    excluded: list[Hashable]
    variables: list[str] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)
    means: dict[str, float] = field(default_factory=dict)
    sds: dict[str, float] = field(default_factory=dict)
    raw_coefficients: dict[str, float] = field(default_factory=dict)
    scale: float | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class IsbsResult:
    """``contributions[key]``: points of ИСБШ above (+) or below (−) 50 that the variable gives; they sum to
    value − 50. ``expected``: the fitted outcome ŷ (mode "fitted")."""

    school_id: Hashable
    value: Decimal | None
    contributions: dict[str, float]
    explanation: str
    expected: float | None = None


def compute_isbs(inputs: Sequence[IsbsInput], params: IsbsParams | None = None) -> tuple[IsbsModel, list[IsbsResult]]:
    """ИСБШ of every school of one municipality and year, in the order of ``inputs``.

    Raises ValueError (Russian message) when a fitted model would be meaningless.
    """
    params = params or IsbsParams()
    _check_unique(i.school_id for i in inputs)
    if params.mode == "weights":
        return _isbs_weights(inputs, params)
    if params.mode == "fitted":
        _check_direction(params.outcome_direction)
        return _isbs_fitted(inputs, params)
    raise ValueError(f"неизвестный режим ИСБШ «{params.mode}»: ожидается weights или fitted")


def _isbs_weights(inputs: Sequence[IsbsInput], params: IsbsParams) -> tuple[IsbsModel, list[IsbsResult]]:
    for key, weight in params.weights.items():
        if weight is None or not math.isfinite(weight):
            raise ValueError(f"вес переменной «{key}» должен быть числом, а не {weight!r}")
    requested = [k for k, w in params.weights.items() if w != 0]
    if not requested:
        raise ValueError("у всех переменных ИСБШ нулевой вес")
    complete, incomplete = _split_complete(inputs, requested)
    matrix = _matrix(complete, requested)
    means, sds, kept, dropped = _standardise_columns(matrix, requested)
    weights = {k: float(params.weights[k]) for k in kept}
    notes = [_dropped_note(k, reason, params) for k, reason in dropped.items()]
    model = IsbsModel(
        mode="weights", coefficients=weights, intercept=None, r2=None, n=len(complete),
        excluded=[i.school_id for i in incomplete], variables=kept, dropped=dropped, means=means, sds=sds,
        raw_coefficients={k: weights[k] / sds[k] for k in kept}, scale=None, notes=notes,
    )
    results = {}
    for row, item in enumerate(complete):
        z = {k: (float(matrix[row, requested.index(k)]) - means[k]) / sds[k] for k in kept}
        contributions = {k: 10.0 * weights[k] * z[k] for k in kept}
        value = _decimal(50.0 + sum(contributions.values()))
        results[item.school_id] = IsbsResult(
            item.school_id, value, _rounded(contributions),
            _isbs_explanation(item, value, z, contributions, weights, model, params))
    for item in incomplete:
        results[item.school_id] = _isbs_missing(item, requested, params)
    return model, [results[i.school_id] for i in inputs]


def _isbs_fitted(inputs: Sequence[IsbsInput], params: IsbsParams) -> tuple[IsbsModel, list[IsbsResult]]:
    requested = list(dict.fromkeys(params.variables))
    if not requested:
        raise ValueError("не задано ни одной переменной ИСБШ")
    complete, incomplete = _split_complete(inputs, requested)
    fit = [i for i in complete if _clean(i.outcome) is not None]
    scored_only = [i for i in complete if _clean(i.outcome) is None]
    if len(fit) < 2:
        raise ValueError(f"Модель ИСБШ не подобрана: полные данные (все переменные и результат) есть только у "
                         f"{len(fit)} {_schools_word(len(fit))}.")
    matrix = _matrix(fit, requested)
    means, sds, kept, dropped = _standardise_columns(matrix, requested)
    z_fit = np.column_stack([(matrix[:, requested.index(k)] - means[k]) / sds[k] for k in kept]) \
        if kept else np.empty((len(fit), 0))

    # Variables that add nothing to the rank of the design (exact linear dependence) are dropped in order.
    design = np.ones((len(fit), 1))
    independent = []
    for j, k in enumerate(kept):
        candidate = np.column_stack([design, z_fit[:, j]])
        if np.linalg.matrix_rank(candidate) > design.shape[1]:
            design = candidate
            independent.append(k)
        else:
            dropped[k] = "линейно зависит от других переменных"
    columns = [kept.index(k) for k in independent]
    z_fit = z_fit[:, columns]
    kept = independent

    if not kept:
        raise ValueError("Модель ИСБШ не подобрана: все переменные постоянны или линейно зависимы.")
    n, p = len(fit), len(kept)
    if n <= p + 1:
        raise ValueError(f"Модель ИСБШ не подобрана: школ с полными данными {n}, а переменных {p}; для "
                         f"осмысленной регрессии школ должно быть больше, чем переменных + 1 (не менее {p + 2}). "
                         f"Уменьшите число переменных или используйте режим с заданными весами.")
    y = np.array([float(i.outcome) for i in fit])
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    if ss_tot <= _EPS * max(1.0, float(np.sum(y ** 2))):
        raise ValueError("Модель ИСБШ не подобрана: результат одинаков у всех школ, объяснять нечего.")

    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    fitted = design @ beta
    r2 = 1.0 - float(np.sum((y - fitted) ** 2)) / ss_tot
    intercept = float(beta[0])
    coefficients = {k: float(beta[j + 1]) for j, k in enumerate(kept)}
    scale = float(np.std(fitted))
    sign = 1.0 if params.outcome_direction == "higher" else -1.0
    notes = [_dropped_note(k, reason, params) for k, reason in dropped.items()]
    if scale <= _EPS * max(1.0, abs(intercept)):
        notes.append("Модель не различает школы (все ожидаемые значения равны): ИСБШ всех школ равен 50.")
        weights = {k: 0.0 for k in kept}
    else:
        weights = {k: sign * b / scale for k, b in coefficients.items()}
    model = IsbsModel(
        mode="fitted", coefficients=coefficients, intercept=intercept, r2=r2, n=n,
        excluded=[i.school_id for i in incomplete + scored_only], variables=kept, dropped=dropped,
        means={k: means[k] for k in kept}, sds={k: sds[k] for k in kept},
        raw_coefficients={k: coefficients[k] / sds[k] for k in kept}, scale=scale, notes=notes,
    )

    fit_ids = {i.school_id for i in fit}
    results = {}
    for item in fit + scored_only:
        z = {k: (float(item.variables[k]) - means[k]) / sds[k] for k in kept}
        expected = intercept + sum(coefficients[k] * z[k] for k in kept)
        contributions = {k: 10.0 * weights[k] * z[k] for k in kept}
        value = _decimal(50.0 + sum(contributions.values()))
        explanation = _isbs_explanation(item, value, z, contributions, weights, model, params, expected=expected,
                                        in_fit=item.school_id in fit_ids)
        results[item.school_id] = IsbsResult(item.school_id, value, _rounded(contributions), explanation,
                                             expected=expected)
    for item in incomplete:
        results[item.school_id] = _isbs_missing(item, requested, params)
    return model, [results[i.school_id] for i in inputs]


def _split_complete(inputs: Iterable[IsbsInput], keys: list[str]) -> tuple[list[IsbsInput], list[IsbsInput]]:
    complete, incomplete = [], []
    for item in inputs:
        target = complete if all(_clean(item.variables.get(k)) is not None for k in keys) else incomplete
        target.append(item)
    return complete, incomplete


def _matrix(items: list[IsbsInput], keys: list[str]) -> np.ndarray:
    if not items:
        return np.empty((0, len(keys)))
    return np.array([[float(i.variables[k]) for k in keys] for i in items], dtype=float)


def _standardise_columns(matrix: np.ndarray, keys: list[str]):
    """Mean and population SD (divide by n) of each column; constant columns (SD ≈ 0) are dropped."""
    means, sds, kept, dropped = {}, {}, [], {}
    for j, key in enumerate(keys):
        column = matrix[:, j]
        if len(column) == 0:
            dropped[key] = "нет ни одной школы с полными данными"
            continue
        mean = float(column.mean())
        sd = float(column.std())
        if sd <= 1e-9 * max(1.0, abs(mean)):
            dropped[key] = f"одинаковое значение у всех школ ({_fmt(mean)})"
            continue
        means[key], sds[key] = mean, sd
        kept.append(key)
    return means, sds, kept, dropped


def _dropped_note(key: str, reason: str, params: IsbsParams) -> str:
    return f"Переменная «{params.labels.get(key, key)}» не учитывается: {reason}."


def _isbs_missing(item: IsbsInput, keys: list[str], params: IsbsParams) -> IsbsResult:
    absent = [params.labels.get(k, k) for k in keys if _clean(item.variables.get(k)) is None]
    explanation = ("ИСБШ не рассчитан: нет данных по переменным " + "; ".join(f"«{a}»" for a in absent)
                   + ". Школа не участвует в расчёте (заполните социальный паспорт за год).")
    return IsbsResult(item.school_id, None, {}, explanation)


def _isbs_explanation(item: IsbsInput, value: Decimal, z: dict[str, float], contributions: dict[str, float],
                      weights: dict[str, float], model: IsbsModel, params: IsbsParams, *,
                      expected: float | None = None, in_fit: bool = True) -> str:
    label = params.labels.get
    terms = "; ".join(
        f"{label(k, k)}: {_fmt(float(item.variables[k]), 1)} (z = {_fmt(z[k])}, вес {_fmt_signed(weights[k], 3)})"
        f" → {_fmt_signed(contributions[k])}"
        for k in model.variables)
    parts = []
    if model.mode == "weights":
        parts.append(f"ИСБШ {_fmt(value)} = 50 + 10 × Σ вес × z = 50 {_fmt_sum(contributions)}.")
    else:
        parts.append(
            f"ИСБШ {_fmt(value)}: ожидаемый по социальному контексту результат {_fmt(expected)} (модель наименьших "
            f"квадратов: n = {model.n}, R² = {_fmt(model.r2)}), переведённый в шкалу 50 ± 10: "
            f"50 {_fmt_sum(contributions)}.")
        if not in_fit:
            parts.append("Школа не участвовала в подборе модели (нет значения результата), ИСБШ рассчитан по "
                         "готовой модели.")
    parts.append(f"Вклады переменных: {terms}." if terms else "Ни одна переменная не учитывается.")
    parts.append("z — отклонение значения школы от среднего по муниципалитету в стандартных отклонениях; выше 50 — "
                 "условия благополучнее среднего по муниципалитету, ниже 50 — сложнее.")
    parts.extend(model.notes)
    parts.append("Это муниципальный индекс, рассчитанный порталом, а не региональный ИСБШ ЦОиККО.")
    return " ".join(parts)


# --------------------------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------------------------


def _check_direction(direction: str) -> None:
    if direction not in ("higher", "lower"):
        raise ValueError(f"направление должно быть higher или lower, а не «{direction}»")


def _check_unique(ids: Iterable[Hashable]) -> None:
    seen = set()
    for sid in ids:
        if sid in seen:
            raise ValueError(f"школа {sid!r} встречается во входных данных дважды")
        seen.add(sid)


def _clean(value) -> float | None:
    """None for missing and NaN values, else float."""
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _rounded(values: dict[str, float]) -> dict[str, float]:
    return {k: round(float(v), 4) for k, v in values.items()}


def _fmt(value, digits: int = 2) -> str:
    """12.5 → «12,50» (Russian decimal comma, minus sign)."""
    if value is None:
        return "—"
    text = f"{float(value):.{digits}f}".replace(".", ",")
    if text.startswith("-"):
        text = "−" + text[1:]
        if text.strip("−0,") == "":
            text = text[1:]
    return text


def _fmt_signed(value: float, digits: int = 2) -> str:
    text = _fmt(value, digits)
    return text if text.startswith("−") or text.strip("0,") == "" else "+" + text


def _fmt_sum(contributions: dict[str, float]) -> str:
    if not contributions:
        return "+ 0"
    return " ".join(f"{'−' if v < 0 else '+'} {_fmt(abs(v))}" for v in contributions.values())


def _fmt_weight(weight: float) -> str:
    """Weights with up to three decimals, trailing zeros removed: 0.25 → «0,25», 1/3 → «0,333»."""
    text = f"{weight:.3f}".rstrip("0").rstrip(".")
    return (text or "0").replace(".", ",")


def _schools_word(count: int) -> str:
    """Genitive after «у N …» / «по N …»: 1 школы, 2 школ."""
    return "школы" if count % 10 == 1 and count % 100 != 11 else "школ"
