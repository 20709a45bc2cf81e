"""The portal's municipal ОИП and ИСБШ (pure functions, no database)."""

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from indicators.indices import (
    DEFAULT_ISBS_WEIGHTS,
    DEFAULT_OIP_DIRECTIONS,
    DEFAULT_OIP_WEIGHTS,
    IsbsInput,
    IsbsParams,
    OipInput,
    OipParams,
    compute_isbs,
    compute_oip,
    percentile_ranks,
)

# --------------------------------------------------------------------------------------------------------------------
# percentile ranks
# --------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "direction", "expected"), [
    pytest.param([10, 20, 30], "higher", [0, 50, 100], id="distinct-higher"),
    pytest.param([10, 20, 30], "lower", [100, 50, 0], id="distinct-lower"),
    pytest.param([10, 20, 20], "higher", [0, 75, 75], id="tie-at-top-shares-average-rank"),
    pytest.param([10, 10, 20, 30], "higher", [100 / 6, 100 / 6, 200 / 3, 100], id="tie-at-bottom"),
    pytest.param([5, 5, 5], "lower", [50, 50, 50], id="all-equal"),
    pytest.param([7], "higher", [50], id="single-school"),
    pytest.param([1.5, 3.0, 3.0, 3.0, 9.0], "lower", [100, 50, 50, 50, 0], id="three-way-tie-lower"),
])
def test_percentile_ranks(values, direction, expected):
    ranks = percentile_ranks(dict(enumerate(values)), direction)
    assert [ranks[i] for i in range(len(values))] == pytest.approx(expected)


def test_percentile_rank_rejects_unknown_direction():
    with pytest.raises(ValueError, match="higher или lower"):
        percentile_ranks({1: 1.0}, "up")


# --------------------------------------------------------------------------------------------------------------------
# ОИП
# --------------------------------------------------------------------------------------------------------------------

TWO = OipParams(weights={"ege": 0.4, "oge": 0.6}, directions={"ege": "higher", "oge": "lower"}, min_schools=3)


def school(sid, **components):
    reasons = components.pop("reasons", {})
    return OipInput(sid, f"Школа {sid}", components, reasons)


def by_id(results):
    return {r.school_id: r for r in results}


@pytest.mark.parametrize(("inputs", "params", "expected"), [
    pytest.param(
        [school(1, ege=70, oge=5), school(2, ege=60, oge=10), school(3, ege=50, oge=20)], TWO,
        {1: Decimal("100.00"), 2: Decimal("50.00"), 3: Decimal("0.00")}, id="same-order-on-both"),
    pytest.param(
        [school(1, ege=70, oge=20), school(2, ege=60, oge=10), school(3, ege=50, oge=5)], TWO,
        # ege ranks 100/50/0, oge (lower better) ranks 0/50/100
        {1: Decimal("40.00"), 2: Decimal("50.00"), 3: Decimal("60.00")}, id="opposite-order"),
    pytest.param(
        [school(1, ege=70, oge=5), school(2, ege=None, oge=10), school(3, ege=50, oge=20), school(4, ege=60, oge=10)],
        TWO,
        # ОГЭ ranks: 100, 50 (tie), 0, 50; ЕГЭ: 100, —, 0, 50; school 2 uses ОГЭ alone with weight 1
        {1: Decimal("100.00"), 2: Decimal("50.00"), 3: Decimal("0.00"), 4: Decimal("50.00")}, id="ege-missing"),
    pytest.param(
        [school(1, ege=70, oge=5), school(2, ege=None, oge=10), school(3, ege=None, oge=20)], TWO,
        # only one ЕГЭ value < min_schools → ЕГЭ dropped for all, ОИП = ОГЭ rank
        {1: Decimal("100.00"), 2: Decimal("50.00"), 3: Decimal("0.00")}, id="ege-dropped-below-min-schools"),
    pytest.param(
        [school(1, ege=70, oge=5), school(2, ege=None, oge=None), school(3, ege=50, oge=20), school(4, ege=60, oge=1)],
        TWO, {1: Decimal("70.00"), 2: None, 3: Decimal("0.00"), 4: Decimal("80.00")}, id="all-none-school"),
    pytest.param(
        [school(1, ege=70, oge=5), school(2, ege=61, oge=10), school(3, ege=50, oge=20)],
        OipParams(weights={"ege": 1, "oge": 2}, directions={"ege": "higher", "oge": "lower"}),
        {1: Decimal("100.00"), 2: Decimal("50.00"), 3: Decimal("0.00")}, id="weights-need-not-sum-to-one"),
    pytest.param(
        [school(1, ege=70, oge=5), school(2, ege=65, oge=10), school(3, ege=50, oge=20)],
        OipParams(weights={"ege": 1, "oge": 0}, directions={"ege": "higher"}),
        {1: Decimal("100.00"), 2: Decimal("50.00"), 3: Decimal("0.00")}, id="zero-weight-ignored"),
    pytest.param(
        [school(1, ege=70, oge=5), school(2, ege=None, oge=5), school(3, ege=50, oge=20),
         school(4, ege=60, oge=float("nan"))], TWO,
        # oge: 5, 5, 20 → 75, 75, 0; ege: 70, 50, 60 → 100, 0, 50; school 4 uses ЕГЭ alone
        {1: Decimal("85.00"), 2: Decimal("75.00"), 3: Decimal("0.00"), 4: Decimal("50.00")}, id="nan-is-missing"),
])
def test_oip_values(inputs, params, expected):
    results = by_id(compute_oip(inputs, params))
    assert {sid: r.value for sid, r in results.items()} == expected


def test_oip_reweighting_is_recorded_in_parts_and_explanation():
    inputs = [school(1, ege=70, oge=5), school(2, ege=None, oge=10, reasons={"ege": "нет 10–11 классов"}),
              school(3, ege=50, oge=20), school(4, ege=60, oge=10)]
    results = by_id(compute_oip(inputs, TWO))
    missing_ege = results[2]
    assert missing_ege.missing == ["ege"] and missing_ege.dropped == []
    assert missing_ege.parts["ege"] == {"raw": None, "percentile": None, "weight": 0.4, "used_weight": 0.0}
    assert missing_ege.parts["oge"] == {"raw": 10.0, "percentile": 50.0, "weight": 0.6, "used_weight": 1.0}
    assert "ЕГЭ — нет (нет 10–11 классов): вес 0,4 распределён между остальными" in missing_ege.explanation
    assert missing_ege.explanation.startswith("ОИП 50,00 = 1×ОГЭ (50,00).")

    full = results[4]
    assert full.missing == []
    assert full.parts["ege"]["used_weight"] == pytest.approx(0.4)
    assert sum(p["used_weight"] for p in full.parts.values()) == pytest.approx(1.0)
    assert full.explanation.startswith("ОИП 50,00 = 0,4×ЕГЭ (50,00) + 0,6×ОГЭ (50,00).")
    assert "процентильный ранг" in full.explanation and "не региональный ОИП" in full.explanation


def test_oip_explanation_for_missing_without_reason_says_no_data():
    inputs = [school(1, ege=70, oge=5), school(2, ege=None, oge=10), school(3, ege=50, oge=20),
              school(4, ege=60, oge=10)]
    assert "ЕГЭ — нет (нет данных)" in by_id(compute_oip(inputs, TWO))[2].explanation


def test_oip_dropped_component_is_explained_for_every_school():
    inputs = [school(1, ege=70, oge=5), school(2, ege=None, oge=10), school(3, ege=None, oge=20)]
    for result in compute_oip(inputs, TWO):
        assert result.dropped == ["ege"] and result.missing == []
        assert result.parts["ege"]["used_weight"] == 0.0 and result.parts["ege"]["percentile"] is None
        assert ("Компонент «ЕГЭ» не учитывается ни у одной школы: значение есть у 1 школы муниципалитета, "
                "нужно не менее 3") in result.explanation
    assert by_id(compute_oip(inputs, TWO))[1].parts["ege"]["raw"] == 70.0  # the raw value is still shown


def test_oip_school_without_components_gets_none_and_reason():
    inputs = [school(1, ege=70, oge=5), school(2, reasons={"ege": "нет 10–11 классов", "oge": "нет результатов ОГЭ"}),
              school(3, ege=50, oge=20), school(4, ege=60, oge=1)]
    result = by_id(compute_oip(inputs, TWO))[2]
    assert result.value is None and result.missing == ["ege", "oge"]
    assert result.explanation.startswith("ОИП не рассчитан: у школы нет ни одного учитываемого компонента.")
    assert "нет результатов ОГЭ" in result.explanation


def test_oip_default_parameters_drop_components_without_data_source():
    inputs = [school(i, ege=50 + i, oge=10 - i, vpr=5 + i, objectivity=80 + i, retention=None, olympiads=None)
              for i in range(1, 5)]
    results = compute_oip(inputs)
    assert set(DEFAULT_OIP_WEIGHTS) == set(DEFAULT_OIP_DIRECTIONS)
    assert sum(DEFAULT_OIP_WEIGHTS.values()) == pytest.approx(1.0)
    for r in results:
        assert r.dropped == ["retention", "olympiads"]
        used = {k: p["used_weight"] for k, p in r.parts.items()}
        assert used["ege"] == pytest.approx(0.25 / 0.8) and used["retention"] == 0.0
        assert "«СК» не учитывается" in r.explanation and "«Олимпиады» не учитывается" in r.explanation
    assert [r.value for r in results] == sorted(r.value for r in results)  # ЕГЭ, ОГЭ, ВПР improve with i...
    assert results[-1].value < Decimal("100")  # ...except ВПР, which gets worse


def test_oip_rounding_to_two_places():
    params = OipParams(weights={"a": 1, "b": 2}, directions={"a": "higher", "b": "higher"}, min_schools=1)
    results = by_id(compute_oip([school(1, a=1, b=2), school(2, a=2, b=1), school(3, a=3, b=3)], params))
    assert results[1].value == Decimal("33.33") and results[2].value == Decimal("16.67")


@pytest.mark.parametrize(("params", "message"), [
    pytest.param(OipParams(weights={"ege": -1}, directions={"ege": "higher"}), "неотрицательным", id="negative"),
    pytest.param(OipParams(weights={"ege": 1}, directions={}), "не задано направление", id="no-direction"),
    pytest.param(OipParams(weights={"ege": 1}, directions={"ege": "up"}), "higher или lower", id="bad-direction"),
    pytest.param(OipParams(weights={"ege": 0}, directions={"ege": "higher"}), "нулевой вес", id="all-zero"),
    pytest.param(OipParams(min_schools=0), "min_schools", id="min-schools"),
])
def test_oip_rejects_bad_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        compute_oip([school(1, ege=1)], params)


def test_oip_rejects_duplicate_school():
    with pytest.raises(ValueError, match="дважды"):
        compute_oip([school(1, ege=1), school(1, ege=2)], TWO)


KEYS = ("ege", "oge", "vpr", "objectivity")
value_or_none = st.one_of(st.none(), st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
schools_strategy = st.lists(st.fixed_dictionaries({k: value_or_none for k in KEYS}), min_size=1, max_size=12)
weights_strategy = st.fixed_dictionaries({k: st.floats(min_value=0.01, max_value=10) for k in KEYS})


@settings(max_examples=200, deadline=None)
@given(rows=schools_strategy, weights=weights_strategy, min_schools=st.integers(1, 4), data=st.data())
def test_oip_is_bounded_and_monotone(rows, weights, min_schools, data):
    params = OipParams(weights=weights, directions=dict(DEFAULT_OIP_DIRECTIONS), min_schools=min_schools)
    inputs = [OipInput(i, f"Школа {i}", row) for i, row in enumerate(rows)]
    results = compute_oip(inputs, params)
    for r in results:
        assert r.value is None or Decimal(0) <= r.value <= Decimal(100)

    present = [(i, k) for i, row in enumerate(rows) for k, v in row.items() if v is not None]
    assume(present)
    i, key = data.draw(st.sampled_from(present))
    step = data.draw(st.floats(min_value=1e-3, max_value=1e6))
    better = rows[i][key] + step if DEFAULT_OIP_DIRECTIONS[key] == "higher" else rows[i][key] - step
    improved = [OipInput(j, f"Школа {j}", {**row, key: better} if j == i else row) for j, row in enumerate(rows)]
    before, after = results[i].value, compute_oip(improved, params)[i].value
    assert (before is None) == (after is None)
    assert before is None or after >= before


# --------------------------------------------------------------------------------------------------------------------
# ИСБШ
# --------------------------------------------------------------------------------------------------------------------


def context(sid, outcome=None, **variables):
    return IsbsInput(sid, f"Школа {sid}", variables, outcome)


def test_isbs_weighted_formula_hand_computed():
    # a: 10, 30, 10, 30 → mean 20, SD 10, z = −1, 1, −1, 1; rural: 0, 0, 1, 1 → mean 0,5, SD 0,5, z = −1, −1, 1, 1
    # ИСБШ = 50 + 10 × (0,3·z_a − 0,2·z_rural)
    inputs = [context(1, a=10, rural=0), context(2, a=30, rural=0), context(3, a=10, rural=1),
              context(4, a=30, rural=1)]
    model, results = compute_isbs(inputs, IsbsParams(weights={"a": 0.3, "rural": -0.2}))
    assert [r.value for r in results] == [Decimal("49.00"), Decimal("55.00"), Decimal("45.00"), Decimal("51.00")]
    assert results[0].contributions == {"a": -3.0, "rural": 2.0}
    assert model.mode == "weights" and model.n == 4 and model.r2 is None and model.intercept is None
    assert model.means == {"a": 20.0, "rural": 0.5} and model.sds == {"a": 10.0, "rural": 0.5}
    assert model.coefficients == {"a": 0.3, "rural": -0.2}
    assert results[0].explanation.startswith("ИСБШ 49,00 = 50 + 10 × Σ вес × z = 50 − 3,00 + 2,00.")
    assert "z = −1,00" in results[0].explanation and "не региональный ИСБШ" in results[0].explanation


def test_isbs_weighted_missing_variable_gives_none_with_reason():
    inputs = [context(1, a=10, b=1), context(2, a=30, b=None), context(3, a=20, b=3)]
    model, results = compute_isbs(inputs, IsbsParams(weights={"a": 1.0, "b": 1.0},
                                                     labels={"a": "доля A", "b": "доля B"}))
    assert results[1].value is None and results[1].contributions == {}
    assert results[1].explanation.startswith("ИСБШ не рассчитан: нет данных по переменным «доля B»")
    assert model.excluded == [2] and model.n == 2
    assert results[0].value == Decimal("30.00") and results[2].value == Decimal("70.00")


def test_isbs_weighted_constant_variable_dropped_with_note():
    inputs = [context(i, a=a, small=0) for i, a in enumerate([10, 20, 30])]
    model, results = compute_isbs(inputs, IsbsParams(weights={"a": 0.5, "small": -0.5}))
    assert model.variables == ["a"] and "small" in model.dropped
    assert "малокомплектная школа (1/0)» не учитывается: одинаковое значение у всех школ" in results[0].explanation
    assert results[1].value == Decimal("50.00")


def synthetic(n=40, seed=7, noise=0.0):
    rng = np.random.default_rng(seed)
    x1, x2, x3 = rng.uniform(0, 60, n), rng.uniform(0, 30, n), rng.integers(0, 2, n).astype(float)
    y = 20 + 0.5 * x1 - 0.8 * x2 - 6 * x3 + noise * rng.normal(size=n)
    return x1, x2, x3, y


def test_isbs_fitted_recovers_known_coefficients():
    x1, x2, x3, y = synthetic()
    inputs = [context(i, y[i], a=x1[i], b=x2[i], rural=x3[i]) for i in range(len(y))]
    model, results = compute_isbs(inputs, IsbsParams(mode="fitted", variables=("a", "b", "rural")))
    assert model.r2 == pytest.approx(1.0) and model.n == 40 and model.excluded == []
    assert model.raw_coefficients == pytest.approx({"a": 0.5, "b": -0.8, "rural": -6.0})
    assert model.coefficients["a"] == pytest.approx(0.5 * x1.std())  # per one SD of the variable
    assert model.intercept == pytest.approx(y.mean())
    values = np.array([float(r.value) for r in results])
    assert values.mean() == pytest.approx(50, abs=0.01) and values.std() == pytest.approx(10, abs=0.01)
    assert np.corrcoef(values, y)[0, 1] == pytest.approx(1.0)
    assert [r.expected for r in results] == pytest.approx(list(y))
    for r in results:
        assert float(r.value) - 50 == pytest.approx(sum(r.contributions.values()), abs=0.01)
    assert "модель наименьших квадратов: n = 40, R² = 1,00" in results[0].explanation


def test_isbs_fitted_lower_outcome_direction_flips_the_scale():
    x1, x2, x3, y = synthetic()
    inputs = [context(i, -y[i], a=x1[i], b=x2[i]) for i in range(len(y))]
    _, results = compute_isbs(inputs, IsbsParams(mode="fitted", variables=("a", "b"), outcome_direction="lower"))
    assert np.corrcoef([float(r.value) for r in results], y)[0, 1] > 0.9


def test_isbs_fitted_noisy_r2_below_one_and_school_without_outcome_scored():
    x1, x2, x3, y = synthetic(noise=8.0)
    inputs = [context(i, y[i], a=x1[i], b=x2[i]) for i in range(len(y))]
    inputs.append(context("new", None, a=30.0, b=15.0))
    inputs.append(context("gap", 50.0, a=None, b=15.0))
    model, results = compute_isbs(inputs, IsbsParams(mode="fitted", variables=("a", "b")))
    assert 0.3 < model.r2 < 0.99 and model.n == 40
    assert model.excluded == ["gap", "new"]
    new, gap = results[-2], results[-1]
    assert new.value is not None and "не участвовала в подборе модели" in new.explanation
    assert gap.value is None and "ИСБШ не рассчитан" in gap.explanation


@pytest.mark.parametrize(("n", "variables"), [
    pytest.param(3, ("a", "b"), id="n-equals-p-plus-1"),
    pytest.param(2, ("a",), id="two-schools-one-variable"),
    pytest.param(4, ("a", "b", "rural"), id="four-schools-three-variables"),
])
def test_isbs_fitted_refuses_too_few_schools(n, variables):
    x1, x2, x3, y = synthetic(n=n, seed=3)
    x3[:2] = [0, 1]
    inputs = [context(i, y[i], a=x1[i], b=x2[i], rural=x3[i]) for i in range(n)]
    with pytest.raises(ValueError, match="школ с полными данными"):
        compute_isbs(inputs, IsbsParams(mode="fitted", variables=variables))


def test_isbs_fitted_constant_and_collinear_variables_dropped():
    x1, x2, x3, y = synthetic()
    inputs = [context(i, y[i], a=x1[i], b=x2[i], c=5.0, d=2 * x1[i] + 1) for i in range(len(y))]
    model, results = compute_isbs(inputs, IsbsParams(mode="fitted", variables=("a", "b", "c", "d")))
    assert model.variables == ["a", "b"]
    assert model.dropped == {"c": "одинаковое значение у всех школ (5,00)", "d": "линейно зависит от других переменных"}
    assert "Переменная «c» не учитывается" in results[0].explanation


@pytest.mark.parametrize(("outcomes", "message"), [
    pytest.param([50.0] * 6, "результат одинаков", id="constant-outcome"),
    pytest.param([50.0] + [None] * 5, "только у 1 школы", id="no-outcomes"),
])
def test_isbs_fitted_refuses_degenerate_outcome(outcomes, message):
    inputs = [context(i, outcomes[i], a=float(i)) for i in range(6)]
    with pytest.raises(ValueError, match=message):
        compute_isbs(inputs, IsbsParams(mode="fitted", variables=("a",)))


def test_isbs_rejects_unknown_mode():
    with pytest.raises(ValueError, match="неизвестный режим"):
        compute_isbs([context(1, a=1.0)], IsbsParams(mode="magic"))


def test_isbs_default_weights_signs():
    assert DEFAULT_ISBS_WEIGHTS["parents_higher_education"] > 0
    assert all(w < 0 for k, w in DEFAULT_ISBS_WEIGHTS.items() if k != "parents_higher_education")
    assert sum(abs(w) for w in DEFAULT_ISBS_WEIGHTS.values()) == pytest.approx(1.0)
