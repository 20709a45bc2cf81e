"""What every result importer returns. Importers are pure: bytes (or already-read sheets) in, these dataclasses out.

The service layer (``indicators.services``) matches schools and subjects against the register, checks marks
against the grading scales stored in the database, and writes. Importers only read, normalise and check what can be
checked from the file itself (types, ranges, sums, declared counts), collecting every problem as a ``RowError``
(Excel row number, Russian column header, Russian message). Errors block an import; warnings (suspicious but
possible) need an explicit confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from portal.spreadsheets import RowError, Sheet

__all__ = ["AggregateRow", "ImportResult", "ParticipantRow", "RowError", "SchoolRef", "Sheet", "TaskColumn"]


@dataclass(frozen=True)
class SchoolRef:
    """How a file names a school: by ФИС ОКО login when it has one, else by municipality + name."""

    login: str = ""          # «edu123456», lower case, or ""
    municipality: str = ""   # as written in the file
    name: str = ""           # as written in the file

    def __str__(self) -> str:
        return self.login or self.name


@dataclass(frozen=True)
class TaskColumn:
    """One task column of a ВПР protocol, e.g. header «9.1 (1б)» → label «9.1», max_score 1, level «Б»."""

    label: str
    max_score: int
    level: str = ""  # «Б», «П», «В» or "" when the file has no level row


@dataclass
class ParticipantRow:
    """One participant of a ВПР (ФИС ОКО individual results / protocol)."""

    row: int
    school: SchoolRef
    subject: str                      # subject as the file names it, e.g. «Русский язык»
    grade: int                        # 4..11
    participant_code: str
    class_name: str = ""              # «5А»; "" when the file has no class column
    variant: str = ""
    task_scores: list[int | None] = field(default_factory=list)  # points per task; None = not done («X», «-», …)
    primary_score: int | None = None
    mark: int | None = None           # 2..5; None = «нет отметки»
    journal_mark: int | None = None   # 2..5; None when absent


@dataclass
class AggregateRow:
    """Per-school results of one assessment in one subject (and grade), as a regional or template form gives them.

    ``None`` means "not given", 0 means zero. ЕГЭ rows fill the score fields, ВПР/ОГЭ rows the mark counts;
    basic maths ЕГЭ is on the 5-point scale and fills the mark counts.
    """

    row: int
    school: SchoolRef
    assessment: str                   # "vpr" | "oge" | "ege"
    subject: str                      # as the file names it
    grade: int | None                 # 4..11; ЕГЭ is 11, may be None when the form does not say
    participants: int
    mark2: int | None = None
    mark3: int | None = None
    mark4: int | None = None
    mark5: int | None = None
    mean_mark: Decimal | None = None
    mean_score: Decimal | None = None
    below_minimum: int | None = None
    score_80_99: int | None = None
    score_100: int | None = None


@dataclass
class ImportResult:
    layout: str                                   # importer key, e.g. "vpr_fis_oko", "ege_regional"
    year: str = ""                                # «2023/2024» when the file says which year, else ""
    participants: list[ParticipantRow] = field(default_factory=list)
    aggregates: list[AggregateRow] = field(default_factory=list)
    tasks: list[TaskColumn] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    meta: dict = field(default_factory=dict)      # what the file declares: subject, grade, max score, counts, totals

    @property
    def ok(self) -> bool:
        return not self.errors
