"""ВПР participant rows written while the file is still being read.

For a 100 000-row municipal export PostgreSQL needs about 1.5 s of CPU for the rows — COPY with its three indexes
and the JSON of the task scores, and the two foreign-key checks of every row, which are half of it — against about
2 s for reading the workbook. One after the other they made the import four times the bare read. Here the parser
hands over its rows in chunks (``vpr.parse(on_rows=…)``), the main thread turns each chunk into COPY text, and a
background thread sends it on the same connection while the main thread parses the next chunk: the database works
on the second core.

Everything still happens inside the import's transaction. A file that turns out invalid is rolled back by the
service, so nothing is stored. The participant table keeps its foreign keys; they are checked at the end of every
chunk (``SET CONSTRAINTS … IMMEDIATE``) instead of all 200 000 checks at the commit: the same checks, done while
Python still works. On other databases (SQLite in the tests) the chunks are written with ``bulk_create`` at once.
"""

from __future__ import annotations

import io
import queue
import threading
from collections import defaultdict
from collections.abc import Sequence

from django.db import connection

from .aggregates import aggregate_participants
from .choices import Assessment
from .models import ParticipantResult

PARTICIPANT_COLUMNS = ("upload_id", "school_id", "academic_year_id", "assessment", "subject_id", "grade",
                       "participant_code", "class_name", "variant", "task_scores", "primary_score", "mark",
                       "journal_mark")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})  # COPY text format
_NULLS = {None: "\\N"}


class CopyStream:
    """``COPY table (columns) FROM STDIN``, one statement per ``send``, run by a background thread on the current
    connection, hence in the current transaction. Between ``start`` and ``close`` the caller uses the connection only
    right after ``drain``. Errors of the background thread are raised by ``drain`` and ``close``."""

    def __init__(self, table: str, columns: Sequence[str]):
        quote = connection.ops.quote_name
        self.table = table
        self.sql = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
        self.queue: queue.Queue = queue.Queue()
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        self.immediate: list[str] = []
        self.cancelled = False

    def start(self) -> None:
        """Check the table's deferred foreign keys per statement from now on, and start the writer thread."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' "
                           "AND condeferrable AND condeferred", [self.table])
            self.immediate = [connection.ops.quote_name(name) for (name,) in cursor.fetchall()]
            if self.immediate:
                cursor.execute(f"SET CONSTRAINTS {', '.join(self.immediate)} IMMEDIATE")
        self.thread = threading.Thread(target=self._run, args=(connection.connection,), name="copy-stream",
                                       daemon=True)
        self.thread.start()

    def _run(self, raw) -> None:
        with raw.cursor() as cursor:
            while True:
                payload = self.queue.get()
                try:
                    if payload is None:
                        return
                    if self.error is None and not self.cancelled:  # after an error the transaction is aborted
                        # one read() of the whole payload: every read needs the GIL, which the parser holds
                        cursor.copy_expert(self.sql, io.BytesIO(payload), size=len(payload) + 1)
                except BaseException as exc:  # handed to the main thread by drain()/close()
                    self.error = exc
                finally:
                    self.queue.task_done()

    def send(self, payload: bytes) -> None:
        self.queue.put(payload)

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


class ParticipantStream:
    """Takes the parser's participant rows chunk by chunk and writes those whose school is known.

    ``resolution`` (``indicators.resolution.Resolution``) decides, as it does for the validation, the academic year,
    the subject and the school of a row, and creates the schools new to the register: a chunk that names one waits
    for the chunks before it (the connection is needed), then they are saved. Writing stops for good once the parser
    reports an error: such a file is not imported.
    """

    def __init__(self, upload, resolution):
        self.upload, self.resolution = upload, resolution
        self.copy = CopyStream(ParticipantResult._meta.db_table, PARTICIPANT_COLUMNS) \
            if connection.vendor == "postgresql" else None
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
        if out:
            self._flush(out)  # one COPY statement per call: ``vpr.ON_ROWS_EVERY`` rows

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
        """COPY text of the rows after the columns every row of a run shares (see ``_take``)."""
        text, scores, nulls = self._text, _json_scores, _NULLS
        return [f"{text(p.participant_code)}\t{text(p.class_name)}\t{text(p.variant)}\t{scores(p.task_scores)}\t"
                f"{nulls.get(p.primary_score, p.primary_score)}\t{nulls.get(p.mark, p.mark)}\t"
                f"{nulls.get(p.journal_mark, p.journal_mark)}\n" for p in run]

    def _object(self, school, p) -> ParticipantResult:
        return ParticipantResult(
            upload=self.upload, school=school, academic_year=self.year, assessment=Assessment.VPR,
            subject=self.subject, grade=p.grade, participant_code=p.participant_code, class_name=p.class_name,
            variant=p.variant, task_scores=p.task_scores, primary_score=p.primary_score, mark=p.mark,
            journal_mark=p.journal_mark)

    def _flush(self, rows: list) -> None:
        self.written += len(rows)
        if self.copy is not None:
            self.copy.send("".join(rows).encode())
        else:
            ParticipantResult.objects.bulk_create(rows, batch_size=2000)

    def _text(self, value: str) -> str:
        """A text column in COPY text format: most values are letters and digits only; the rest repeat (classes,
        variants) and are escaped once."""
        if value.isalnum():
            return value
        text = self._texts.get(value)
        if text is None:
            text = self._texts[value] = value.translate(_ESCAPES)
        return text


def _json_scores(scores) -> str:
    """Task scores as JSON: ints and None only (``ParticipantRow.task_scores``), so repr() is JSON but for None."""
    return repr(scores).replace("None", "null")
