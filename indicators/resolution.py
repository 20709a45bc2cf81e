"""What an uploaded file's names resolve to: the academic year, the subjects, the schools and the grading scales.

Each distinct name is decided once (a 100 000-row municipal export names 400 schools), and the validation
(``services.prepare``) and the participant stream (``streaming.ParticipantStream``) share the decisions: the rows
written while the file is read are exactly those the validation accepts. Schools new to the register (when the upload
asks to create them) are built here, saved by ``save_new_schools`` inside the import's transaction, and ``forget``
marks them unsaved again when that transaction is rolled back.
"""

from __future__ import annotations

from django.db import models
from simple_history.utils import bulk_create_with_history

from schools.models import AcademicYear, Municipality, School

from .choices import Assessment
from .importers.base import ImportResult, SchoolRef
from .matching import SchoolMatcher, SubjectMatcher, name_key
from .models import GradingScale, ResultUpload, Subject


def scale_for(assessment: str, subject: Subject, grade: int, year: AcademicYear) -> GradingScale | None:
    """The scale in force: the newest one of this year or earlier."""
    return (GradingScale.objects.filter(assessment=assessment, subject=subject, grade=grade,
                                        academic_year__start_year__lte=year.start_year)
            .select_related("academic_year").order_by("-academic_year__start_year").first())


class Resolution:
    """The decisions for one upload; the database is read once per distinct name (the register once)."""

    def __init__(self, upload: ResultUpload):
        self.upload = upload
        self.create = bool(upload.options.get("create_missing_schools")) and upload.school is None
        self._matcher: SchoolMatcher | None = None
        self._subjects: SubjectMatcher | None = None
        self._year: tuple[AcademicYear | None, str] | None = None
        self._schools: dict[SchoolRef, School | None] = {}
        self._subject: dict[str, Subject | None] = {}
        self._scales: dict[tuple, GradingScale | None] = {}
        self.new_schools: dict[tuple[str, str], School] = {}
        self.new_municipalities: dict[str, Municipality] = {}
        self.saved: list[models.Model] = []  # saved inside the import's transaction

    @property
    def matcher(self) -> SchoolMatcher:
        if self._matcher is None:
            self._matcher = SchoolMatcher()
        return self._matcher

    def year(self, file_year: str) -> tuple[AcademicYear | None, str]:
        """(year, "") or (None, why not). A year new to the portal is built, not saved."""
        if self._year is None:
            self._year = _year_for(self.upload.academic_year, file_year)
        return self._year

    def subject(self, label: str) -> Subject | None:
        if label not in self._subject:
            if self._subjects is None:
                self._subjects = SubjectMatcher()
            self._subject[label] = self._subjects.find(label)
        return self._subject[label]

    def scale(self, subject: Subject, grade: int, year: AcademicYear) -> GradingScale | None:
        key = (subject.pk, grade, year.start_year)
        if key not in self._scales:
            self._scales[key] = scale_for(Assessment.VPR, subject, grade, year)
        return self._scales[key]

    def school(self, ref: SchoolRef) -> School | None:
        """The school a row belongs to; None when it is not found (or, for a principal, not their own school)."""
        try:
            return self._schools[ref]
        except KeyError:
            pass
        own = self.upload.school
        if own is not None:
            found = self.matcher.find(ref) if (ref.login or ref.name) else own
            school = own if found is not None and found.pk == own.pk else None
        else:
            school = self.matcher.find(ref)
            if school is None and self.create and ref.name and ref.municipality:
                school = self._new_school(ref)
        self._schools[ref] = school
        return school

    def _new_school(self, ref: SchoolRef) -> School:
        key = (name_key(ref.municipality), name_key(ref.name))
        if key not in self.new_schools:
            municipality = self.matcher.municipality(ref.municipality) or self.new_municipalities.setdefault(
                key[0], Municipality(name=ref.municipality[:255]))
            self.new_schools[key] = School(municipality=municipality, name=ref.name[:500],
                                           short_name=ref.name[:200], fis_oko_login=ref.login or None, aliases=[])
        return self.new_schools[key]

    def start(self, result: ImportResult) -> tuple[AcademicYear, Subject] | None:
        """For the participant stream: the year (saved now if new) and the subject of the rows, the scale looked up
        while the connection is still free; None when the file names no usable year or subject (then it has errors
        and is not imported)."""
        year, _ = self.year(result.year)
        subject = self.subject(result.participants[0].subject) if result.participants else None
        if year is None or subject is None:
            return None
        if year.pk is None:
            year, _ = AcademicYear.objects.get_or_create(start_year=year.start_year)
            self._year = year, ""
            self.saved.append(year)
        self.scale(subject, result.participants[0].grade, year)
        if self._matcher is None:  # loaded now: school() must not query while the stream holds the connection
            self._matcher = SchoolMatcher()
        return year, subject

    def save_new_schools(self) -> None:
        """Save the schools built so far (and their new municipalities), with their history records."""
        for municipality in self.new_municipalities.values():
            if municipality.pk is None:
                municipality.save()
                self.saved.append(municipality)
        schools = [school for school in self.new_schools.values() if school.pk is None]
        if not schools:
            return
        for school in schools:
            school.search_text = school.build_search_text()  # what save() would set
        # one INSERT for the schools and one for their history instead of two per school; the per-school cache
        # signal is not sent, but the import that follows invalidates the pages of every municipality
        bulk_create_with_history(schools, School)
        self.saved.extend(schools)

    def forget(self) -> None:
        """The transaction that saved ``saved`` was rolled back: those objects are unsaved again."""
        for obj in self.saved:
            obj.pk = None
            obj._state.adding = True
        for school in self.new_schools.values():
            school.municipality = school.municipality  # the id again from the municipality, maybe unsaved again
        self.saved.clear()


def _year_for(chosen: AcademicYear | None, file_year: str) -> tuple[AcademicYear | None, str]:
    if chosen and file_year and chosen.label != file_year:
        return None, f"в файле учебный год {file_year}, а при загрузке выбран {chosen.label}"
    if chosen:
        return chosen, ""
    if file_year:  # a year new to the portal is created once the file passes validation, never for a rejected one
        start = AcademicYear.parse_label(file_year)
        return AcademicYear.objects.filter(start_year=start).first() or AcademicYear(start_year=start), ""
    return None, "в файле не указан учебный год: выберите его в форме загрузки"
