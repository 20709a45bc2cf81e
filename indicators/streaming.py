"""ВПР participant rows written while the file is still being read.

For a 100 000-row municipal export PostgreSQL needed about 1.5 s of CPU for the rows — COPY with its three indexes
and the JSON of the task scores, and the two foreign-key triggers of every row, which were half of it — against
about 2 s for reading the workbook; one after the other they made the import four times the bare read. Here the
parser hands over its rows in chunks (``vpr.parse(on_rows=…)``), the main thread turns each chunk into COPY text,
and a background thread sends it on the same connection while the main thread parses the next chunk: the database
works on the second core. The foreign keys are checked once per referenced key instead of once per row where the
role allows it (``CopyStream``), else per row at the end of every chunk — never all 200 000 checks at the commit.

Everything still happens inside the import's transaction: a file that turns out invalid is rolled back by the
service, so nothing is stored. On other databases (SQLite in the tests) the chunks are written with ``bulk_create``.
"""

from __future__ import annotations

import io
import queue
import threading
from collections import defaultdict
from collections.abc import Sequence

from django.db import IntegrityError, connection

from .aggregates import aggregate_participants
from .choices import Assessment
from .models import ParticipantResult

PARTICIPANT_COLUMNS = ("upload_id", "school_id", "academic_year_id", "assessment", "subject_id", "grade",
                       "participant_code", "class_name", "variant", "task_scores", "primary_score", "mark",
                       "journal_mark")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})  # COPY text format
_NULLS = {None: "\\N"}


_FOREIGN_KEYS = """
    SELECT c.conname, CASE WHEN cardinality(c.conkey) = 1 THEN a.attname END, c.confrelid::regclass::text, fa.attname,
           c.condeferrable AND c.condeferred
    FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
    WHERE c.conrelid = %s::regclass AND c.contype = 'f'
"""


class CopyStream:
    """``COPY table (columns) FROM STDIN``, one statement per ``send``, run by a background thread on the current
    connection, hence in the current transaction. Between ``start`` and ``close`` the caller uses the connection only
    right after ``drain``. Errors of the background thread are raised by ``drain`` and ``close``.

    The table's foreign keys stay checked, in one of two ways:

    * per key (``keyed``): when every foreign key is one of ``references`` and the role may turn triggers off for its
      session (a superuser, as the docker-compose database role is, or PostgreSQL 15's ``GRANT SET ON PARAMETER
      session_replication_role``). Before each statement the referenced rows it names (``send(…, references=…)``)
      are locked ``FOR KEY SHARE`` and must all exist — what the foreign-key trigger of every row does, done once
      per key instead of once per row (half of the database's work on these rows) — and the COPY itself runs with
      ``session_replication_role = replica``. The table must have no other triggers.
    * per row, otherwise: the constraint triggers check every row at the end of each statement
      (``SET CONSTRAINTS … IMMEDIATE``), not all at the commit.
    """

    def __init__(self, table: str, columns: Sequence[str], *, references: Sequence[str] = ()):
        quote = connection.ops.quote_name
        self.table, self.references = table, set(references)
        self.sql = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
        self.queue: queue.Queue = queue.Queue()
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        self.keyed = False
        self.keys: dict[str, tuple[str, str]] = {}  # column → (referenced table, referenced column)
        self.locked: dict[str, set] = defaultdict(set)
        self.immediate: list[str] = []
        self.role = ""
        self.cancelled = False

    def start(self) -> None:
        """Choose how the foreign keys are checked (see the class), and start the writer thread."""
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(_FOREIGN_KEYS, [self.table])
            constraints = cursor.fetchall()
            self.keys = {column: (table, quote(key)) for _, column, table, key, _ in constraints}
            self.keyed = all(column in self.references for _, column, _, _, _ in constraints) \
                and _only_constraint_triggers(cursor, self.table) and _may_turn_triggers_off(cursor)
            if self.keyed:
                cursor.execute("SHOW session_replication_role")
                self.role = cursor.fetchone()[0]
            else:
                self.immediate = [quote(name) for name, _, _, _, deferred in constraints if deferred]
                if self.immediate:
                    cursor.execute(f"SET CONSTRAINTS {', '.join(self.immediate)} IMMEDIATE")
        self.thread = threading.Thread(target=self._run, args=(connection.connection,), name="copy-stream",
                                       daemon=True)
        self.thread.start()

    def _run(self, raw) -> None:
        with raw.cursor() as cursor:
            while True:
                job = self.queue.get()
                try:
                    if job is None:
                        return
                    if self.error is None and not self.cancelled:  # after an error the transaction is aborted
                        self._copy(cursor, *job)
                except BaseException as exc:  # handed to the main thread by drain()/close()
                    self.error = exc
                finally:
                    self.queue.task_done()

    def _copy(self, cursor, payload: bytes, references: dict[str, set]) -> None:
        if self.keyed:
            self._lock(cursor, references)
            cursor.execute("SET LOCAL session_replication_role = replica")
        # one read() of the whole payload: every read needs the GIL, which the parser holds
        cursor.copy_expert(self.sql, io.BytesIO(payload), size=len(payload) + 1)
        if self.keyed:
            cursor.execute("SELECT set_config('session_replication_role', %s, true)", [self.role])

    def _lock(self, cursor, references: dict[str, set]) -> None:
        """The foreign-key check of a statement's rows, per key: lock the referenced rows, all must exist."""
        for column, (table, key) in self.keys.items():
            new = references[column] - self.locked[column]
            if not new:
                continue
            cursor.execute(f"SELECT {key} FROM {table} WHERE {key} = ANY(%s) ORDER BY 1 FOR KEY SHARE", [sorted(new)])
            missing = new - {found for (found,) in cursor.fetchall()}
            if missing:
                raise IntegrityError(f"{self.table}.{column}: в {table} нет строк {sorted(missing)[:10]}")
            self.locked[column] |= new

    def send(self, payload: bytes, references: dict[str, set] | None = None) -> None:
        """Queue one statement; ``references``: {foreign-key column: the keys the payload's rows name}."""
        self.queue.put((payload, references or {}))

    def drain(self) -> None:
        """Wait until everything sent is written; the connection is then free for the caller."""
        self.queue.join()
        self._raise()

    def close(self, *, cancel: bool = False) -> None:
        """Wait for the writer and stop it; ``cancel``: drop what is not written yet (it is being rolled back)."""
        if self.thread is not None:
            self.cancelled = cancel
            self.queue.put(None)
            self.thread.join()
            self.thread = None
            if self.error is None and not cancel and self.immediate:
                with connection.cursor() as cursor:
                    cursor.execute(f"SET CONSTRAINTS {', '.join(self.immediate)} DEFERRED")
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            with connection.wrap_database_errors:  # psycopg2.IntegrityError → django.db.IntegrityError
                raise self.error


def _only_constraint_triggers(cursor, table: str) -> bool:
    cursor.execute("SELECT NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal)",
                   [table])
    return cursor.fetchone()[0]


def _may_turn_triggers_off(cursor) -> bool:
    cursor.execute("SELECT current_setting('is_superuser') = 'on'")
    if cursor.fetchone()[0]:
        return True
    if connection.pg_version < 150000:
        return False
    cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
    return cursor.fetchone()[0]


class ParticipantStream:
    """Takes the parser's participant rows chunk by chunk and writes those whose school is known.

    ``resolution`` (``indicators.resolution.Resolution``) decides, as it does for the validation, the academic year,
    the subject and the school of a row, and creates the schools new to the register: a chunk that names one waits
    for the chunks before it (the connection is needed), then they are saved. Writing stops for good once the parser
    reports an error: such a file is not imported.
    """

    def __init__(self, upload, resolution):
        self.upload, self.resolution = upload, resolution
        self.copy = CopyStream(ParticipantResult._meta.db_table, PARTICIPANT_COLUMNS,
                               references=("upload_id", "school_id")) if connection.vendor == "postgresql" else None
        self.stopped = False
        self.year = self.subject = None
        self.done = 0      # participants of the result already taken
        self.written = 0
        self.aggregates: dict | None = None
        self.stats: list[tuple] = []  # ((school_id, subject_id, grade), primary_score, mark, journal_mark)
        self.scope: dict[tuple, set[int]] = defaultdict(set)  # (assessment, subject_id, grade) → school ids
        self._texts: dict[str, str] = {}

    def __enter__(self) -> ParticipantStream:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if self.copy is None:
            return
        try:
            self.copy.close(cancel=exc_type is not None)
        except Exception:
            if exc_type is None:  # else the exception that ends the block is the one to report
                raise

    def __call__(self, result) -> None:
        """The parser's callback; also called once after the parse for the last rows."""
        if self.stopped or result.errors:
            self.stopped = True
            return
        if self.year is None:
            started = self.resolution.start(result)
            if started is None:
                self.stopped = True
                return
            self.year, self.subject = started
            if self.copy is not None:
                self.copy.start()
        rows = result.participants[self.done:]
        self.done += len(rows)
        self._take(rows)

    def finish(self) -> dict:
        """Wait for the last rows; → {(school_id, subject_id, grade): Aggregate} of the rows written."""
        if self.aggregates is None:
            aggregates = aggregate_participants(self.stats)  # counted while the last chunk is being written
            if self.copy is not None:
                self.copy.close()
            self.aggregates = aggregates
        return self.aggregates

    def _take(self, rows) -> None:
        runs = self._runs(rows)
        # the COPY text is made before the schools new to the register are created: that waits for the database
        bodies = [self._bodies(run) for _, _, run in runs] if self.copy is not None else None
        if any(school.pk is None for school, _, _ in runs):
            if self.copy is not None:
                self.copy.drain()  # the connection is needed here
            self.resolution.save_new_schools()
        out, subject_id = [], self.subject.pk
        for index, (school, grade, run) in enumerate(runs):
            key = (school.pk, subject_id, grade)
            self.scope[(Assessment.VPR, subject_id, grade)].add(school.pk)
            self.stats.extend([(key, p.primary_score, p.mark, p.journal_mark) for p in run])
            if bodies is None:
                out.extend([self._object(school, p) for p in run])
            else:
                prefix = f"{self.upload.pk}\t{school.pk}\t{self.year.pk}\t{Assessment.VPR}\t{subject_id}\t{grade}\t"
                out.extend([prefix + body for body in bodies[index]])
        if out:  # one COPY statement per call: ``vpr.ON_ROWS_EVERY`` rows
            self._flush(out, {school.pk for school, _, _ in runs})

    def _runs(self, rows) -> list[tuple]:
        """[(school, grade, rows)]: the rows of a chunk in runs of one school and grade (a school's rows come
        together, so the school is looked up once per run); rows of schools not found are left out."""
        runs, last, grade, run = [], None, None, None
        for p in rows:
            if p.school is not last or p.grade != grade:
                last, grade = p.school, p.grade
                school = self.resolution.school(p.school)
                run = None if school is None else []
                if run is not None:
                    runs.append((school, grade, run))
            if run is not None:
                run.append(p)
        return runs

    def _bodies(self, run) -> list[str]:
        """COPY text of the rows after the columns every row of a run shares (see ``_take``). Written out inline:
        it runs for every row. Codes are letters and digits but for a rare few; classes and variants repeat, so
        each is escaped once. Task scores are ints and None only (``ParticipantRow``): their repr() is JSON but for
        None."""
        texts, text, nulls, escapes = self._texts, self._text, _NULLS, _ESCAPES
        return [f"{code if (code := p.participant_code).isalnum() else code.translate(escapes)}\t"
                f"{texts.get(p.class_name) or text(p.class_name)}\t{texts.get(p.variant) or text(p.variant)}\t"
                f"{repr(p.task_scores).replace('None', 'null')}\t{nulls.get(p.primary_score, p.primary_score)}\t"
                f"{nulls.get(p.mark, p.mark)}\t{nulls.get(p.journal_mark, p.journal_mark)}\n" for p in run]

    def _object(self, school, p) -> ParticipantResult:
        return ParticipantResult(
            upload=self.upload, school=school, academic_year=self.year, assessment=Assessment.VPR,
            subject=self.subject, grade=p.grade, participant_code=p.participant_code, class_name=p.class_name,
            variant=p.variant, task_scores=p.task_scores, primary_score=p.primary_score, mark=p.mark,
            journal_mark=p.journal_mark)

    def _flush(self, rows: list, school_ids: set[int]) -> None:
        self.written += len(rows)
        if self.copy is not None:
            self.copy.send("".join(rows).encode(), {"upload_id": {self.upload.pk}, "school_id": school_ids})
        else:
            ParticipantResult.objects.bulk_create(rows, batch_size=2000)

    def _text(self, value: str) -> str:
        """A repeating text value (class, variant) in COPY text format, remembered."""
        text = self._texts[value] = value.translate(_ESCAPES)
        return text

