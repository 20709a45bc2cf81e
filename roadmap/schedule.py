"""Structured reading of the free-text deadline cell («Сроки исполнения») of roadmap activities.

The original text is always kept; ``parse_schedule`` adds a list of rules that can answer "what is due in this
quarter" (``due_dates``) and "what is in progress" (``is_ongoing``). The parser never raises: parts it does not
understand are reported in ``Schedule.unparsed_part`` and ``Schedule.parsed`` is then False.

Forms found in the municipal programmes and how they are read:

* exact dates — «до 25.12.2020», «15 марта 2021 г.» → ONCE with a day;
* a month with a year — «Январь 2021 года», «Апрель, 2021», «Март 2021года» → ONCE;
* a month range within one year — «март-апрель 2021 года» → one ONCE, due at the end of the last month
  (``month`` is the last month, ``months`` the whole window);
* lists — «Январь 2021 г. Сентябрь 2021г. Сентябрь 2022г.» (newlines, commas or semicolons) → several ONCE;
  a month without a year after a dated one takes the year of that date (or the next one if it would go back);
* «ежегодно» alone → ANNUAL without months (due at the end of December);
* «Июль ежегодно», «ежегодно (август)», «Ежегодно, сентябрь», «ежегодно (август-сентябрь)»,
  «Ежегодно (сентябрь, октябрь)», «ежегодно (март-май)» → ANNUAL with months;
* «Ежегодно к началу учебного года» → ANNUAL in August; «в конце учебного года» → May; «в конце года» → December;
* «Январь 2021 г., далее октябрь ежегодно», «Декабрь 2020 г. далее сентябрь ежегодно» → ONCE + ANNUAL whose
  ``from_year`` is the first year in which the recurring month comes after the one-off date;
* «Январь Ежегодно 2021, 2022, 2023, 2024, 20225гг.» → ANNUAL in January, 2021–2025: a five-digit "year" is read
  as a typo when dropping one digit gives the year that continues the list (20225 after 2024 → 2025);
  otherwise it is reported as unparsed;
* «2 раза в год (январь, июнь)», «2 раза в год, в мае и ноябре» → ANNUAL with months and ``count``;
  «N раз в год» without months → SEMIANNUAL (2), QUARTERLY (4), MONTHLY (12) or months spread over the year;
* «ежемесячно» → MONTHLY; «ежеквартально», «1 раз в квартал», «1 раз в три месяца, ежегодно» → QUARTERLY;
* «1 раз в четверть», «Ежеквартально (по итогам учебной четверти)» → TERMLY: the school term, not the calendar
  quarter, is meant, due in October, December, March and May;
* «1 раз в полугодие», «В конце каждого полугодия» → SEMIANNUAL (June, December); «2-4 раза в полугодие» →
  SEMIANNUAL with ``count`` = 2 (the lower bound of the range);
* «2 раза в учебный год» → TIMES_PER_SCHOOL_YEAR: n due months spread over September..May at month
  ``9*k//n`` of the school year (k = 1..n): 1 → May; 2 → December, May; 3 → November, February, May;
  4 → October, December, February, May;
* «постоянно», «в течение года», «Ежегодно, в течение года», «Ежегодно в течение учебного года» → CONTINUOUS
  (so are «ежедневно», «еженедельно», «1 раз в неделю»: such work has no checkpoints of its own);
* «по отдельному графику», «По графику» → BY_PLAN without a reference; «По графику РМО» → BY_PLAN «РМО»;
  «в соответствии с планом мероприятий», «Ежегодно в соответствии с Планом работы на год отдела образования»,
  «Ежегодно согласно плану отдела образования», «В соответствии с программой адресной помощи»,
  «Ежегодно по плану мониторинговых исследований» → BY_PLAN naming the plan («план мероприятий»…);
  a bare «ежегодно» next to a plan, a frequency or «в течение года» adds nothing and is dropped;
* «По плану работы управления образования, в течение года» → BY_PLAN + CONTINUOUS;
  «В течение года по заявке руководителя школы» → CONTINUOUS + BY_PLAN «заявка руководителя школы»;
* «2020», «2020-2022», «2021–2023 гг.», «2020 – 2023 г.г.», «2020-2022 годы» → PERIOD (continuous inside the
  years, due at the end of December of the last year); next to a recurring rule the years limit that rule instead;
* «2021-2022 учебный год», «2020-21 уч. год» → PERIOD from September of the first year to May of the last
  (``months`` = (9, 5)); «сентябрь 2021 – май 2022» → PERIOD with ``months`` = (9, 5) as well;
* an empty cell, or one without letters and digits («—») → no rules, kind "empty".

HTML tags, ``[bookmark: …]`` markers, non-breaking spaces, newlines, «г.», «гг.», «года», capitalisation and
en/em dashes are normalised before parsing.
"""

from __future__ import annotations

import calendar
import dataclasses
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

__all__ = [
    "ANNUAL", "BY_PLAN", "CONTINUOUS", "KINDS", "MONTHLY", "ONCE", "PERIOD", "QUARTERLY", "SEMIANNUAL", "TERMLY",
    "TIMES_PER_SCHOOL_YEAR", "Rule", "Schedule", "due_dates", "is_ongoing", "parse_schedule", "quarter_bounds",
    "quarter_of",
]

# ---------------------------------------------------------------------------------------------------------- kinds

ONCE = "once"
ANNUAL = "annual"
MONTHLY = "monthly"
QUARTERLY = "quarterly"
TERMLY = "termly"
SEMIANNUAL = "semiannual"
TIMES_PER_SCHOOL_YEAR = "times_per_school_year"
CONTINUOUS = "continuous"
BY_PLAN = "by_plan"
PERIOD = "period"

KINDS = (ONCE, ANNUAL, MONTHLY, QUARTERLY, TERMLY, SEMIANNUAL, TIMES_PER_SCHOOL_YEAR, CONTINUOUS, BY_PLAN, PERIOD)
RECURRING = frozenset({ANNUAL, MONTHLY, QUARTERLY, TERMLY, SEMIANNUAL, TIMES_PER_SCHOOL_YEAR, CONTINUOUS})

# Due months of the fixed-frequency kinds.
QUARTER_END_MONTHS = (3, 6, 9, 12)
TERM_END_MONTHS = (10, 12, 3, 5)
HALF_YEAR_END_MONTHS = (6, 12)
SCHOOL_YEAR_MONTHS = (9, 5)  # a PERIOD over school years: September of from_year .. May of to_year
SCHOOL_START_MONTH = 8      # «к началу учебного года»
SCHOOL_END_MONTH = 5        # «в конце учебного года»

MAX_PARSED_LENGTH = 2000    # a deadline cell is short; anything longer is reported, not parsed
MAX_UNPARSED_LENGTH = 300

MONTH_NAMES = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
               "ноябрь", "декабрь")
MONTH_NAMES_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                        "октября", "ноября", "декабря")
_MONTH_BY_PREFIX = {"янв": 1, "фев": 2, "мар": 3, "апр": 4, "ма": 5, "июн": 6, "июл": 7, "авг": 8, "сен": 9,
                    "окт": 10, "ноя": 11, "дек": 12}


@dataclass(frozen=True)
class Rule:
    """One part of a schedule.

    ONCE: ``year``, ``month`` (the due month), optional ``day``; for a month range ``months`` holds the window.
    ANNUAL: ``months`` (empty = some time during the year, due in December), optional ``count``.
    PERIOD: ``from_year``..``to_year``; ``months`` = (start month, end month) when not whole calendar years.
    Recurring kinds may be limited by ``from_year``/``to_year``; ``count`` is "N times per unit" when N > 1.
    BY_PLAN: ``reference`` names the plan or schedule that sets the dates (empty for «по отдельному графику»).
    """

    kind: str
    year: int | None = None
    month: int | None = None
    day: int | None = None
    months: tuple[int, ...] = ()
    from_year: int | None = None
    to_year: int | None = None
    count: int | None = None
    reference: str = ""

    def to_json(self) -> dict:
        data: dict = {"kind": self.kind}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name != "kind" and value != f.default:
                data[f.name] = list(value) if f.name == "months" else value
        return data

    @classmethod
    def from_json(cls, data: dict) -> Rule:
        if not isinstance(data, dict) or data.get("kind") not in KINDS:
            raise ValueError(f"неизвестный вид срока: {data!r}")
        names = {f.name for f in dataclasses.fields(cls)}
        values = {key: value for key, value in data.items() if key in names}
        if "months" in values:
            values["months"] = tuple(values["months"])
        return cls(**values)


@dataclass(frozen=True)
class Schedule:
    """A parsed deadline cell. ``kind`` follows the rules that were understood even when ``parsed`` is False
    (a partly understood text); it is "unparsed" only when nothing was understood."""

    text: str
    rules: tuple[Rule, ...]
    parsed: bool
    unparsed_part: str = ""

    @property
    def is_empty(self) -> bool:
        return _is_blank(self.text)

    @property
    def kind(self) -> str:
        if self.is_empty:
            return "empty"
        kinds = {rule.kind for rule in self.rules}
        if not kinds:
            return "unparsed"
        return kinds.pop() if len(kinds) == 1 else "mixed"

    def describe(self) -> str:
        if self.is_empty:
            return "не указан"
        if not self.rules:
            return f"не распознан: {self.unparsed_part}"
        text = _describe_rules(self.rules)
        if not self.parsed:
            text += f"; не распознано: {self.unparsed_part}"
        return text

    def to_json(self) -> dict:
        return {"text": self.text, "rules": [rule.to_json() for rule in self.rules], "parsed": self.parsed,
                "unparsed_part": self.unparsed_part}

    @classmethod
    def from_json(cls, data: dict) -> Schedule:
        if not isinstance(data, dict):
            raise ValueError("сроки должны быть словарём")
        return cls(text=data.get("text", ""), rules=tuple(Rule.from_json(rule) for rule in data.get("rules", ())),
                   parsed=bool(data.get("parsed", True)), unparsed_part=data.get("unparsed_part", ""))


# ------------------------------------------------------------------------------------------------- normalisation

_HTML_TAG = re.compile(r"<[^<>]{0,300}>")
_BOOKMARK = re.compile(r"\[bookmark:[^\]]{0,200}\]", re.IGNORECASE)
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]")
_SPACES = re.compile("[\\s\u200b\u200c\u200d\u2060\ufeff]+")
_ALNUM = re.compile(r"[^\W_]")


def _clean(text: str) -> str:
    """Strip HTML leftovers and bookmarks, unify dashes and whitespace; keeps the case."""
    if "<" in text:
        text = _HTML_TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if "[" in text:
        text = _BOOKMARK.sub(" ", text)
    text = _DASHES.sub("-", text)
    return _SPACES.sub(" ", text).strip()


def _lower(text: str) -> str:
    """Lower case with ё → е, keeping every character at its position."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    return low.replace("ё", "е")


def _is_blank(text: str | None) -> bool:
    return not text or not _ALNUM.search(_clean(text))


# ---------------------------------------------------------------------------------------------------- patterns

_END = r"(?!\w)"
_MONTH = (r"(?:январ(?:ь|я|ю|е|ем)|феврал(?:ь|я|ю|е|ем)|март(?:а|у|е|ом)?|апрел(?:ь|я|ю|е|ем)|ма(?:й|я|ю|е|ем)"
          r"|июн(?:ь|я|ю|е|ем)|июл(?:ь|я|ю|е|ем)|август(?:а|у|е|ом)?|сентябр(?:ь|я|ю|е|ем)|октябр(?:ь|я|ю|е|ем)"
          r"|ноябр(?:ь|я|ю|е|ем)|декабр(?:ь|я|ю|е|ем)"
          r"|(?:янв|фев|мар|апр|июн|июл|авг|сент?|окт|нояб?|дек)\.)")
_YEAR = r"(?:19|20)\d\d(?!\d)"
_YEAR_WORD = r"(?:\s?(?:г\.?\s?г\.?|гг\.?|годы|годов|года|году|год|г\.?)(?!\w))?"
_SCHOOL_WORD = r"\s?(?:учебн\w*|уч\.?)\s?(?:год\w*|г\.?(?!\w))"
_NUMBER_WORDS = {"один": 1, "одного": 1, "однажды": 1, "два": 2, "две": 2, "дважды": 2, "три": 3, "трижды": 3,
                 "четыре": 4, "пять": 5, "шесть": 6}
_UNIT = (r"(?:учебн\w*\s?год\w*|уч\.?\s?год\w*|полугодие|полгода|квартал|(?:учебную\s)?четверть"
         r"|(?:три|3)\s?месяца|(?:два|2)\s?месяца|месяц|неделю|год)")

# Stops the name of a plan at a word that starts another part of the deadline.
_REFERENCE_STOP = re.compile(r"\s(?:ежегодн|ежеквартальн|ежемесячн|постоянно|в течение|далее|по итогам"
                             r"|\d+\s?(?:-\s?\d+\s?)?раза?\s)")

# Ordered table: the first alternative that matches at a position wins, so longer phrases come first.
_SEPARATORS = r"[\s,:.!?()\[\]{}\"'«»„“”*•·…/\\|+=_#№%&<>~^`@$]*"
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("semicolon", r";"),
    ("termly", r"(?:ежеквартальн\w*\s?\(?\s?)?(?:по итогам|в конце|по окончании)\s(?:каждой\s)?(?:учебной\s)?"
               r"четверти" + _END + r"(?:\s?\))?"),
    ("semiannual", r"(?:(?:в конце|по итогам|по окончании)\s(?:каждого\s)?полугодия|ежеполугодн\w*"
                   r"|каждое полугодие|каждые полгода)" + _END),
    ("frequency", r"(?:(?P<fq_n>\d{1,2}|один|одного|два|две|три|четыре|пять|шесть)\s?(?:-\s?(?P<fq_n2>\d{1,2})\s?)?)?"
                  r"раза?\s(?:в|за)\s(?P<fq_unit>" + _UNIT + r")" + _END),
    ("frequency_word", r"(?P<fw_n>однажды|дважды|трижды)\s(?:в|за)\s(?P<fw_unit>" + _UNIT + r")" + _END),
    ("monthly", r"(?:ежемесячн\w*|каждый месяц)" + _END),
    ("quarterly", r"(?:ежеквартальн\w*|поквартальн\w*|каждый квартал)" + _END),
    ("annual", r"(?:ежегодн\w*|каждый год|из года в год)" + _END),
    ("school_start", r"(?:к|до)\s(?:началу|начала)\s(?:нового\s|каждого\s)?учебного года" + _END),
    ("school_end", r"(?:в конце|по итогам|к концу|по окончании)\s(?:каждого\s)?учебного года" + _END),
    ("year_end", r"(?:в конце|по итогам|к концу|по окончании)\s(?:каждого\s|календарного\s)*года" + _END),
    ("continuous", r"(?:постоянно|на постоянной основе|систематически|регулярно|ежедневно|еженедельно"
                   r"|в течение\s(?:всего\s|каждого\s)?(?:учебного\s|календарного\s)?года"
                   r"|в течение\s(?:всего\s)?(?:срока|периода)(?:\sреализации)?(?:\s(?:программы|дорожной карты))?"
                   r"|весь период(?:\sреализации)?(?:\s(?:программы|дорожной карты))?)" + _END),
    ("plan_separate", r"(?:по|согласно)\s(?:отдельному|особому|индивидуальному|утвержденному|согласованному"
                      r"|специальному)\s(?:графику|плану|расписанию)" + _END),
    ("plan", r"(?:в\sсоответствии\sс|согласно|по|в рамках)\s(?P<pl_head>план\w*|график\w*|программ\w*"
             r"|положени\w*|регламент\w*|календар\w*|расписани\w*|заявк\w*|заявок|запрос\w*|приказ\w*"
             r"|распоряжени\w*)" + _END + r"(?P<pl_rest>[^,;().]*)"),
    ("dalee", r"(?:далее|в дальнейшем|затем|впоследствии|после чего)" + _END),
    ("date_numeric", r"(?P<dn_d>\d{1,2})\.(?P<dn_m>\d{1,2})\.(?P<dn_y>\d{4}|\d\d)(?!\d)" + _YEAR_WORD),
    ("date_words", r"(?P<dw_d>\d{1,2})\s?(?P<dw_m>" + _MONTH + r")" + _END
                   + r"(?:\s?(?P<dw_y>" + _YEAR + r"))?" + _YEAR_WORD),
    ("year_range", r"(?:с\s)?(?P<yr_a>" + _YEAR + r")" + _YEAR_WORD + r"\s?(?:-|по|до|/)\s?(?P<yr_b>" + _YEAR
                   + r"|\d\d(?!\d)(?=\s?(?:учебн|уч\.?\s?г|гг|г\.|г(?!\w)|год)))"
                   + r"(?:(?P<yr_school>" + _SCHOOL_WORD + r")|" + _YEAR_WORD + r")"),
    ("from_year", r"(?:начиная\s)?с\s(?P<fy_a>" + _YEAR + r")" + _YEAR_WORD),
    ("year", r"(?P<y_y>" + _YEAR + r")(?:" + _SCHOOL_WORD + r"|" + _YEAR_WORD + r")"),
    ("number", r"(?P<nb_n>\d+)" + _YEAR_WORD),
    ("month", r"(?P<mo_m>" + _MONTH + r")" + _END),
    ("range", r"(?:-|(?:по|до)" + _END + r")"),
    ("filler", r"(?:в|во|на|с|со|к|ко|и|или|а также|не позднее|не позже|срок|сроки|течение|начиная|каждого"
               r"|каждый|конец|конца|начало|начала|середина|середины|месяц|месяца|учебн\w*|уч|год|года|году|годы"
               r"|гг|г|исполнения|выполнения|реализации)" + _END),
    ("word", r"[^\s,;:.!?()\[\]{}\"'«»„“”\-]+"),
)
# Separators before a token are taken by the same match; a failed match means only separators are left.
_MASTER = re.compile(_SEPARATORS + "(?:" + "|".join(f"(?P<{name}>{pattern})" for name, pattern in _PATTERNS) + ")")


# ------------------------------------------------------------------------------------------------------ tokens

@dataclass(slots=True)
class _Token:
    kind: str
    start: int
    end: int
    value: object = None


def _month_number(word: str) -> int:
    word = word.rstrip(".")
    return _MONTH_BY_PREFIX.get(word[:3]) or _MONTH_BY_PREFIX[word[:2]]


def _year_of(raw: str, base: int | None = None) -> int:
    """A four-digit year, or a two-digit one completed from ``base`` («2020-21»)."""
    if len(raw) == 2:
        century = (base // 100) * 100 if base else 2000
        return century + int(raw)
    return int(raw)


def _frequency_token(count: int, unit: str) -> tuple[str, object] | None:
    """«N раз в <unit>» → ("rule", Rule), or ("annual", …) for a (school) year, which may still get months."""
    unit = re.sub(r"\s+", "", unit).replace("учебную", "")
    if count < 1:
        return None
    if unit.startswith(("учебн", "уч")):
        return "annual", {"count": count, "school": True}
    if unit == "год":
        return "annual", {"count": count, "school": False}
    extra = count if count > 1 else None
    if unit in ("полугодие", "полгода"):
        return "rule", Rule(SEMIANNUAL, count=extra)
    if unit in ("квартал", "тримесяца", "3месяца"):
        return "rule", Rule(QUARTERLY, count=extra)
    if unit == "четверть":
        return "rule", Rule(TERMLY, count=extra)
    if unit == "месяц":
        return "rule", Rule(MONTHLY, count=extra)
    if unit in ("двамесяца", "2месяца"):
        return "rule", Rule(ANNUAL, months=(2, 4, 6, 8, 10, 12), count=6 * count)
    if unit == "неделю":  # weekly work has no checkpoints of its own
        return "rule", Rule(CONTINUOUS)
    return None


def _number(raw: str | None) -> int:
    if not raw:
        return 1
    return int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw, 1)


_ABBREVIATION = re.compile(r"^[^\W\d_]*[A-ZА-ЯЁ][^\W\d_]*[A-ZА-ЯЁ]")
_REFERENCE_HEADS = (("план", "план"), ("график", ""), ("программ", "программа"), ("положени", "положение"),
                    ("регламент", "регламент"), ("календар", "календарь"), ("расписани", "расписание"),
                    ("заявк", "заявка"), ("заявок", "заявки"), ("запрос", "запрос"), ("приказ", "приказ"),
                    ("распоряжени", "распоряжение"))
_PLURAL_ENDINGS = ("ам", "ами", "ах", "и", "ы")


def _reference(head: str, rest: str) -> str:
    """«Планом работы ОО» → «план работы ОО»; «графику РМО» → «РМО» (the body whose schedule is meant)."""
    words = [word if _ABBREVIATION.match(word) else _lower(word) for word in rest.split()]
    rest = " ".join(words).strip(" .-")
    name = ""
    for prefix, lemma in _REFERENCE_HEADS:
        if head.startswith(prefix):
            name = lemma
            if lemma in ("заявка", "запрос") and head.endswith(_PLURAL_ENDINGS):
                name = "заявки" if lemma == "заявка" else "запросы"
            break
    return " ".join(part for part in (name, rest) if part)


class _Lexer:
    """Turns the lower-cased text into tokens; ``clean`` (same positions, original case) feeds the references."""

    def __init__(self, clean: str, low: str):
        self.clean = clean
        self.low = low
        self.tokens: list[_Token] = []

    def run(self) -> list[_Token]:
        pos, low = 0, self.low
        while pos < len(low):
            match = _MASTER.match(low, pos)
            if match is None:
                break
            end = self._HANDLERS[match.lastgroup](self, match)
            pos = max(end, pos + 1)
        return self.tokens

    def _add(self, kind: str, match: re.Match, value: object = None, end: int | None = None) -> int:
        end = match.end() if end is None else end
        self.tokens.append(_Token(kind, match.start(match.lastgroup), end, value))
        return end

    def _plain(self, match: re.Match) -> int:
        return self._add(match.lastgroup, match)

    def _frequency(self, match: re.Match) -> int:
        if match.lastgroup == "frequency":
            count, unit = _number(match.group("fq_n")), match.group("fq_unit")
        else:
            count, unit = _number(match.group("fw_n")), match.group("fw_unit")
        token = _frequency_token(count, unit)
        if token is None:
            return self._add("word", match)
        return self._add(token[0], match, token[1])

    def _annual(self, match: re.Match) -> int:
        return self._add("annual", match, {"count": None, "school": False})

    def _plan(self, match: re.Match) -> int:
        rest_start = match.start("pl_rest")
        rest = match.group("pl_rest")
        stop = _REFERENCE_STOP.search(rest)
        if stop:
            rest = rest[:stop.start()]
        end = rest_start + len(rest)
        reference = _reference(match.group("pl_head"), self.clean[rest_start:end])
        return self._add("rule", match, Rule(BY_PLAN, reference=reference), end=end)

    def _date_numeric(self, match: re.Match) -> int:
        day, month = int(match.group("dn_d")), int(match.group("dn_m"))
        return self._date(match, _year_of(match.group("dn_y")), month, day)

    def _date_words(self, match: re.Match) -> int:
        month = _month_number(match.group("dw_m"))
        day = int(match.group("dw_d"))
        if match.group("dw_y") is None:  # «к 1 сентября»: a month of every year
            return self._add("month", match, month) if 1 <= day <= 31 else self._add("word", match)
        return self._date(match, int(match.group("dw_y")), month, day)

    def _date(self, match: re.Match, year: int, month: int, day: int) -> int:
        try:
            date(year, month, day)
        except ValueError:
            return self._add("word", match)
        return self._add("date", match, (year, month, day))

    def _year_range(self, match: re.Match) -> int:
        first = int(match.group("yr_a"))
        last = _year_of(match.group("yr_b"), first)
        if last < first:
            return self._add("word", match)
        return self._add("years", match, (first, last, bool(match.group("yr_school"))))

    def _from_year(self, match: re.Match) -> int:
        return self._add("years", match, (int(match.group("fy_a")), None, False))

    def _year(self, match: re.Match) -> int:
        return self._add("year", match, int(match.group("y_y")))

    def _number_token(self, match: re.Match) -> int:
        return self._add("number", match, match.group("nb_n"))

    def _month(self, match: re.Match) -> int:
        return self._add("month", match, _month_number(match.group("mo_m")))

    _HANDLERS: dict[str, Callable[[_Lexer, re.Match], int]] = {
        "semicolon": _plain,
        "termly": lambda lexer, match: lexer._add("rule", match, Rule(TERMLY)),
        "semiannual": lambda lexer, match: lexer._add("rule", match, Rule(SEMIANNUAL)),
        "frequency": _frequency,
        "frequency_word": _frequency,
        "monthly": lambda lexer, match: lexer._add("rule", match, Rule(MONTHLY)),
        "quarterly": lambda lexer, match: lexer._add("rule", match, Rule(QUARTERLY)),
        "annual": _annual,
        "school_start": lambda lexer, match: lexer._add("month", match, SCHOOL_START_MONTH),
        "school_end": lambda lexer, match: lexer._add("month", match, SCHOOL_END_MONTH),
        "year_end": lambda lexer, match: lexer._add("month", match, 12),
        "continuous": lambda lexer, match: lexer._add("rule", match, Rule(CONTINUOUS)),
        "plan_separate": lambda lexer, match: lexer._add("rule", match, Rule(BY_PLAN)),
        "plan": _plan,
        "dalee": _plain,
        "date_numeric": _date_numeric,
        "date_words": _date_words,
        "year_range": _year_range,
        "from_year": _from_year,
        "year": _year,
        "number": _number_token,
        "month": _month,
        "range": _plain,
        "filler": _plain,
        "word": _plain,
    }


# ------------------------------------------------------------------------------------------------------ grammar

@dataclass
class _Annual:
    """An open «ежегодно» / «N раз в год» clause collecting its months and years."""

    count: int | None = None
    school: bool = False
    years: list[int] = field(default_factory=list)
    spans: list[tuple[int, int | None]] = field(default_factory=list)
    after: Rule | None = None  # the one-off date before «далее»


class _Grammar:
    """Combines the tokens into rules (see the module docstring for the forms)."""

    def __init__(self, tokens: list[_Token]):
        self.tokens = tokens
        self.rules: list[Rule] = []
        self.pending: list[tuple[int, ...]] = []    # month groups waiting for a year or «ежегодно»
        self.annual: _Annual | None = None
        self.bare_years: list[tuple[int, int | None, bool]] = []
        self.last_once: Rule | None = None
        self.after: Rule | None = None              # the one-off date before «далее»
        self.range_from_once: Rule | None = None    # «сентябрь 2021 – май 2022»
        self.bullets = False                        # «- январь 2021 - май 2021» is a list, not a range
        self.seen: list[_Token] = []                # tokens so far, without the small words
        self.garbage: list[int] = []                # indexes of tokens not understood

    def run(self) -> list[Rule]:
        handlers = self._HANDLERS
        for index, token in enumerate(self.tokens):
            handler = handlers.get(token.kind)
            if handler is not None:
                handler(self, token, index)
            if token.kind != "filler":
                self.seen.append(token)
        self._close()
        self._resolve_bare_years()
        return self._tidy(self.rules)

    def _previous(self, back: int = 1) -> _Token | None:
        return self.seen[-back] if len(self.seen) >= back else None

    # --- token handlers

    def _on_month(self, token: _Token, index: int) -> None:
        previous, before = self._previous(), self._previous(2)
        if previous is not None and previous.kind == "range" and before is not None and before.kind == "month" \
                and self.pending:
            first = self.pending[-1][-1]
            self.pending[-1] = self.pending[-1] + _month_span(first, token.value)[1:]
        else:
            self.pending.append((token.value,))

    def _on_range(self, token: _Token, index: int) -> None:
        previous = self._previous()
        if previous is None:
            self.bullets = True
        elif previous.kind == "year" and not self.bullets and self.rules and self.rules[-1] is self.last_once:
            self.range_from_once = self.last_once

    def _on_year(self, token: _Token, index: int) -> None:
        self._add_year(token.value)

    def _on_number(self, token: _Token, index: int) -> None:
        """A five-digit «20225» right after 2024 in a list of years is read as 2025."""
        digits, previous = str(token.value), self._previous()
        if previous is not None and previous.kind == "year" and len(digits) == 5:
            wanted = previous.value + 1
            if any(digits[:i] + digits[i + 1:] == str(wanted) for i in range(5)):
                token.kind, token.value = "year", wanted
                self._add_year(wanted)
                return
        self.garbage.append(index)

    def _on_years(self, token: _Token, index: int) -> None:
        first, last, school = token.value
        if self.annual is not None:
            self.annual.spans.append((first, last))
        elif self.pending and last is not None:  # «сентябрь 2021-2023 гг.» = every September of those years
            self.annual = _Annual(spans=[(first, last)])
        else:
            self.bare_years.append((first, last, school))

    def _on_date(self, token: _Token, index: int) -> None:
        year, month, day = token.value
        self._emit_once(Rule(ONCE, year=year, month=month, day=day))

    def _on_annual(self, token: _Token, index: int) -> None:
        count, school = token.value["count"], token.value["school"]
        if self.annual is None:
            self.annual = _Annual(count=count, school=school, after=self.after)
            self.after = None
        elif count is not None:
            self.annual.count, self.annual.school = count, school

    def _on_rule(self, token: _Token, index: int) -> None:
        rule = token.value
        if self.after is not None and rule.kind in RECURRING:
            rule = dataclasses.replace(rule, from_year=self.after.year)
            self.after = None
        self.rules.append(rule)

    def _on_dalee(self, token: _Token, index: int) -> None:
        self._close()
        self.after = self.last_once

    def _on_semicolon(self, token: _Token, index: int) -> None:
        self._close()

    def _on_word(self, token: _Token, index: int) -> None:
        self.garbage.append(index)

    _HANDLERS: dict[str, Callable[[_Grammar, _Token, int], None]] = {
        "month": _on_month, "range": _on_range, "year": _on_year, "number": _on_number, "years": _on_years,
        "date": _on_date, "annual": _on_annual, "rule": _on_rule, "dalee": _on_dalee, "semicolon": _on_semicolon,
        "word": _on_word,
    }

    # --- helpers

    def _add_year(self, year: int) -> None:
        previous = self._previous()
        if self.annual is not None:
            self.annual.years.append(year)
        elif self.pending:
            groups, self.pending = self.pending, []
            for group in groups:
                self._emit_once(_once(year, group))
        elif previous is not None and previous.kind == "year" and self.last_once is not None \
                and self.last_once.day is None and self.rules and self.rules[-1] is self.last_once:
            # «январь 2021, 2022 гг.»: the same month of the next listed year
            self._emit_once(_once(year, self.last_once.months or (self.last_once.month,)))
        else:
            self.bare_years.append((year, year, False))

    def _emit_once(self, rule: Rule) -> None:
        start, self.range_from_once = self.range_from_once, None
        if start is not None and rule.day is None and start.day is None and self.rules and self.rules[-1] is start:
            self.rules.pop()
            first_month = start.months[0] if start.months else start.month
            if start.year == rule.year and first_month <= rule.month:
                rule = _once(rule.year, _month_span(first_month, rule.month))
            elif start.year == rule.year:  # «декабрь 2021 - январь 2021»: two dates, not a range
                self.rules.append(start)
            else:
                rule = Rule(PERIOD, from_year=start.year, to_year=rule.year, months=(first_month, rule.month))
        self.rules.append(rule)
        self.last_once = rule if rule.kind == ONCE else None

    def _close(self) -> None:
        """End of a clause: the open «ежегодно» takes the waiting months; months without a year are resolved."""
        groups, self.pending = self.pending, []
        months = _unique(month for group in groups for month in group)
        if self.annual is not None:
            annual, self.annual = self.annual, None
            self.rules.extend(_annual_rules(annual, months))
        elif months and self.last_once is not None:  # «январь 2021 г., октябрь»: the next such month
            base = self.last_once
            for group in groups:
                once = _once(_next_year(base, group[0]), group)
                self._emit_once(once)
                base = self.last_once or once
        elif months:  # a month with neither a year nor «ежегодно» recurs every year
            rule = Rule(ANNUAL, months=months)
            if self.after is not None:
                rule = dataclasses.replace(rule, from_year=_next_year(self.after, months[0]))
                self.after = None
            self.rules.append(rule)

    def _resolve_bare_years(self) -> None:
        """Years not tied to a date limit the recurring rules, or stand as periods."""
        if not self.bare_years:
            return
        recurring = [i for i, rule in enumerate(self.rules)
                     if rule.kind in RECURRING and rule.from_year is None and rule.to_year is None]
        spans = _merge_spans(self.bare_years)
        if recurring and len(spans) == 1:
            first, last, _ = spans[0]
            for i in recurring:
                self.rules[i] = dataclasses.replace(self.rules[i], from_year=first, to_year=last)
            return
        for first, last, school in spans:
            self.rules.append(Rule(PERIOD, from_year=first, to_year=last, months=SCHOOL_YEAR_MONTHS if school else ()))

    @staticmethod
    def _tidy(rules: list[Rule]) -> list[Rule]:
        """Drop duplicates, and a bare «ежегодно» that only repeats what a frequency or a plan already says."""
        unique = _unique(rules)
        specific = any(rule.kind in RECURRING - {ANNUAL} or rule.kind == BY_PLAN for rule in unique)
        bare = Rule(ANNUAL)
        return [rule for rule in unique if not (specific and rule == bare)]


def _month_span(first: int, last: int) -> tuple[int, ...]:
    """Months from ``first`` to ``last`` inclusive, going over the new year if needed («ноябрь-февраль»)."""
    span = [first]
    while span[-1] != last and len(span) < 12:
        span.append(span[-1] % 12 + 1)
    return tuple(span)


def _once(year: int, group: tuple[int, ...]) -> Rule:
    return Rule(ONCE, year=year, month=group[-1], months=group if len(group) > 1 else ())


def _next_year(once: Rule, month: int) -> int:
    """The first year in which ``month`` comes after the one-off date (for «…, далее октябрь ежегодно»)."""
    return once.year if month > (once.month or 12) else once.year + 1


def _unique(items) -> tuple:
    return tuple(dict.fromkeys(items))


def _merge_spans(spans: list[tuple[int, int | None, bool]]) -> list[tuple[int, int | None, bool]]:
    """«2021, 2022, 2023» → one span 2021–2023; open spans («с 2021 года») stay apart."""
    merged: list[tuple[int, int | None, bool]] = []
    for first, last, school in sorted(set(spans), key=lambda span: (span[0], span[1] or 10 ** 4)):
        if merged and last is not None and merged[-1][1] is not None and not school and not merged[-1][2] \
                and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(last, merged[-1][1]), False)
        else:
            merged.append((first, last, school))
    return merged


def _annual_years(annual: _Annual) -> tuple[int | None, int | None]:
    """from_year/to_year of an annual clause: a range, a list (first..last) or one year (from that year on)."""
    years = sorted(set(annual.years))
    if annual.spans:
        first = min([span[0] for span in annual.spans] + years)
        ends = [span[1] for span in annual.spans]
        return first, None if None in ends else max(ends + years)
    if len(years) == 1:
        return years[0], None
    if years:
        return years[0], years[-1]
    return None, None


def _annual_rules(annual: _Annual, months: tuple[int, ...]) -> list[Rule]:
    first, last = _annual_years(annual)
    years = sorted(set(annual.years))
    if months and not annual.spans and len(years) > 1 and years != list(range(years[0], years[-1] + 1)):
        return [Rule(ONCE, year=year, month=month) for year in years for month in months]  # «январь 2021, 2023»
    if annual.after is not None and first is None:
        first = _next_year(annual.after, months[0] if months else 12)
    count = annual.count if annual.count and annual.count > 1 else None
    if not months:
        if annual.school:
            return [Rule(TIMES_PER_SCHOOL_YEAR, count=annual.count or 1, from_year=first, to_year=last)]
        if count:
            return [_times_per_year(count, first, last)]
    return [Rule(ANNUAL, months=months, count=count, from_year=first, to_year=last)]


def _times_per_year(count: int, first: int | None, last: int | None) -> Rule:
    """«N раз в год» without months."""
    fixed = {2: SEMIANNUAL, 4: QUARTERLY}
    if count in fixed:
        return Rule(fixed[count], from_year=first, to_year=last)
    if count >= 12:
        return Rule(MONTHLY, from_year=first, to_year=last)
    months = _unique(12 * k // count for k in range(1, count + 1))
    return Rule(ANNUAL, months=months, count=count, from_year=first, to_year=last)


# ------------------------------------------------------------------------------------------------------- parsing

def parse_schedule(text: str | None) -> Schedule:
    """Read a deadline cell; never raises."""
    original = "" if text is None else text if isinstance(text, str) else str(text)
    try:
        return _parse(original)
    except Exception:  # noqa: BLE001 - a deadline that breaks the parser is reported, never raised
        return Schedule(text=original, rules=(), parsed=False, unparsed_part=_shorten(_clean(original)))


def _parse(original: str) -> Schedule:
    clean = _clean(original)
    if not _ALNUM.search(clean):
        return Schedule(text=original, rules=(), parsed=True)
    overflow = ""
    if len(clean) > MAX_PARSED_LENGTH:
        clean, overflow = clean[:MAX_PARSED_LENGTH], clean[MAX_PARSED_LENGTH:]
    tokens = _Lexer(clean, _lower(clean)).run()
    grammar = _Grammar(tokens)
    rules = tuple(grammar.run())
    parts = _unparsed_parts(clean, tokens, grammar.garbage)
    if overflow:
        parts.append(overflow)
    if not rules and not parts:
        parts.append(clean)
    return Schedule(text=original, rules=rules, parsed=not parts, unparsed_part=_shorten(" … ".join(parts)))


def _unparsed_parts(clean: str, tokens: list[_Token], garbage: list[int]) -> list[str]:
    """Runs of words not understood, with the small words between and just before them («по мере необходимости»)."""
    parts: list[str] = []
    bad = set(garbage)
    index = 0
    while index < len(tokens):
        if index not in bad:
            index += 1
            continue
        start = index
        while start > 0 and tokens[start - 1].kind in ("filler", "range") \
                and not clean[tokens[start - 1].end:tokens[start].start].strip():
            start -= 1
        end = index
        probe = index + 1
        while probe < len(tokens) and (probe in bad or tokens[probe].kind in ("filler", "range")):
            if probe in bad:
                end = probe
            probe += 1
        parts.append(clean[tokens[start].start:tokens[end].end].strip())
        index = end + 1
    return parts


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_UNPARSED_LENGTH else text[:MAX_UNPARSED_LENGTH - 1] + "…"


# ---------------------------------------------------------------------------------------------------- describing

def _plural_times(count: int) -> str:
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return f"{count} раза"
    return f"{count} раз"


def _months_text(months: tuple[int, ...]) -> str:
    """(8, 9) → «август–сентябрь», (1, 6) → «январь, июнь», (3, 4, 5) → «март–май»."""
    runs: list[list[int]] = []
    for month in months:
        if runs and runs[-1][-1] % 12 + 1 == month:
            runs[-1].append(month)
        else:
            runs.append([month])
    return ", ".join(MONTH_NAMES[run[0] - 1] + (f"–{MONTH_NAMES[run[-1] - 1]}" if len(run) > 1 else "")
                     for run in runs)


def _years_text(rule: Rule) -> str:
    if rule.from_year and rule.to_year:
        return f" ({rule.from_year}–{rule.to_year})" if rule.from_year != rule.to_year else f" ({rule.from_year})"
    if rule.from_year:
        return f" (с {rule.from_year})"
    if rule.to_year:
        return f" (по {rule.to_year})"
    return ""


def _once_text(rule: Rule) -> str:
    if rule.day:
        return f"{rule.day} {MONTH_NAMES_GENITIVE[(rule.month or 1) - 1]} {rule.year}"
    months = rule.months or ((rule.month,) if rule.month else ())
    return f"{_months_text(months)} {rule.year}" if months else str(rule.year)


def _period_text(rule: Rule) -> str:
    first, last = rule.from_year, rule.to_year
    if last is None:
        return f"с {first} года"
    if rule.months == SCHOOL_YEAR_MONTHS:
        if last == first + 1:
            return f"{first}/{last} учебный год"
        return f"{first}/{first + 1}–{last - 1}/{last} учебные годы"
    if rule.months:
        return f"{MONTH_NAMES[rule.months[0] - 1]} {first} – {MONTH_NAMES[rule.months[-1] - 1]} {last}"
    return f"{first} год" if first == last else f"{first}–{last} годы"


def _rule_text(rule: Rule) -> str:
    kind, count, years = rule.kind, rule.count, _years_text(rule)
    if kind == ONCE:
        return _once_text(rule)
    if kind == PERIOD:
        return _period_text(rule)
    if kind == ANNUAL:
        head = f"{_plural_times(count)} в год" if count else "ежегодно"
        return f"{head}: {_months_text(rule.months)}{years}" if rule.months else f"{head}{years}"
    if kind == BY_PLAN:
        return f"по графику: {rule.reference}" if rule.reference else "по отдельному графику"
    if kind == CONTINUOUS:
        return f"постоянно{years}"
    if kind == TIMES_PER_SCHOOL_YEAR:
        return f"{_plural_times(count or 1)} в учебный год{years}"
    plain = {MONTHLY: ("ежемесячно", "в месяц"), QUARTERLY: ("ежеквартально", "в квартал"),
             TERMLY: ("1 раз в учебную четверть", "в учебную четверть"),
             SEMIANNUAL: ("1 раз в полугодие", "в полугодие")}
    if kind in plain:
        once_text, unit = plain[kind]
        return (f"{_plural_times(count)} {unit}" if count else once_text) + years
    return kind


def _describe_rules(rules: tuple[Rule, ...]) -> str:
    if all(rule.kind == ONCE for rule in rules):
        prefix = "однократно" if len(rules) == 1 else "даты"
        return f"{prefix}: " + "; ".join(_once_text(rule) for rule in rules)
    text = ""
    for i, rule in enumerate(rules):
        after_once = i > 0 and rules[i - 1].kind == ONCE and rule.kind in RECURRING and rule.from_year is not None
        if after_once:
            text += ", далее " + _rule_text(dataclasses.replace(rule, from_year=None))
        else:
            text += ("; " if text else "") + _rule_text(rule)
    return text


# ---------------------------------------------------------------------------------------------------- dates

def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _school_year_months(count: int) -> tuple[int, ...]:
    """n due months over September..May: month number 9*k//n of the school year, k = 1..n."""
    count = max(1, min(count, 9))
    return _unique((8 + 9 * k // count - 1) % 12 + 1 for k in range(1, count + 1))


def _due_months(rule: Rule) -> tuple[int, ...]:
    if rule.kind == ANNUAL:
        return rule.months or (12,)
    if rule.kind == TIMES_PER_SCHOOL_YEAR:
        return _school_year_months(rule.count or 1)
    return {MONTHLY: tuple(range(1, 13)), QUARTERLY: QUARTER_END_MONTHS, TERMLY: TERM_END_MONTHS,
            SEMIANNUAL: HALF_YEAR_END_MONTHS}.get(rule.kind, ())


def _rule_due_dates(rule: Rule, start: date, end: date, active_from: date | None,
                    active_to: date | None) -> list[date]:
    if rule.kind == ONCE:
        if rule.year is None:
            return []
        month = rule.month or 12
        return [date(rule.year, month, rule.day) if rule.day else _last_day(rule.year, month)]
    if rule.kind == PERIOD:
        if rule.to_year is None:
            return []
        return [_last_day(rule.to_year, rule.months[-1] if rule.months else 12)]
    months = _due_months(rule)
    if not months:
        return []
    low = max(start.year, rule.from_year or start.year)
    high = min(end.year, rule.to_year or end.year)
    dates = [_last_day(year, month) for year in range(low, high + 1) for month in months]
    if rule.from_year is None and active_from is not None:
        dates = [d for d in dates if d >= active_from]
    if rule.to_year is None and active_to is not None:
        dates = [d for d in dates if d <= active_to]
    return dates


def due_dates(schedule: Schedule, start: date, end: date, *, active_from: date | None = None,
              active_to: date | None = None) -> list[date]:
    """Sorted, de-duplicated due dates falling within [start, end] inclusive. A due date is the LAST day of the month
    (or the exact day if one was given). Recurring rules without explicit years are limited to [active_from, active_to]
    (the roadmap's period) when given. CONTINUOUS, BY_PLAN and empty schedules have no due dates."""
    if start > end:
        return []
    found: set[date] = set()
    for rule in schedule.rules:
        found.update(d for d in _rule_due_dates(rule, start, end, active_from, active_to) if start <= d <= end)
    return sorted(found)


def _span(rule: Rule) -> tuple[date | None, date | None]:
    """The dates a CONTINUOUS or PERIOD rule covers (None = open)."""
    first_month, last_month = (rule.months[0], rule.months[-1]) if rule.kind == PERIOD and rule.months else (1, 12)
    low = date(rule.from_year, first_month, 1) if rule.from_year else None
    high = _last_day(rule.to_year, last_month) if rule.to_year else None
    return low, high


def is_ongoing(schedule: Schedule, on: date, *, active_from: date | None = None,
               active_to: date | None = None) -> bool:
    """True for CONTINUOUS/PERIOD rules active on that date (within their years and the roadmap period)."""
    if (active_from is not None and on < active_from) or (active_to is not None and on > active_to):
        return False
    for rule in schedule.rules:
        if rule.kind not in (CONTINUOUS, PERIOD):
            continue
        low, high = _span(rule)
        if (low is None or low <= on) and (high is None or on <= high):
            return True
    return False


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a calendar quarter (1..4)."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"квартал должен быть от 1 до 4, а не {quarter!r}")
    first_month = 3 * quarter - 2
    return date(year, first_month, 1), _last_day(year, first_month + 2)


def quarter_of(d: date) -> tuple[int, int]:
    """(year, calendar quarter) of a date."""
    return d.year, (d.month - 1) // 3 + 1
