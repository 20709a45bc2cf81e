"""Match what a file names (schools, subjects) to the register. Reads only."""

from __future__ import annotations

import re

from portal.spreadsheets import normalize_header
from schools.models import Municipality, School

from .models import Subject

_QUOTES = re.compile(r"[«»\"'“”„]")
_NUMBER = re.compile(r"№\s*")


def name_key(text: str) -> str:
    """Comparable form of a name: case, «ё», quotes, spaces and «№ 5»/«№5» ignored."""
    return _NUMBER.sub("№", _QUOTES.sub("", normalize_header(text)))


class SchoolMatcher:
    """Finds schools by login, else by municipality + (full, short or alias) name; one query up front."""

    def __init__(self, queryset=None):
        self.by_login: dict[str, School] = {}
        self.by_name: dict[tuple[str, str], School] = {}
        self.by_name_only: dict[str, list[School]] = {}
        self.municipalities: dict[str, Municipality] = {}
        for m in Municipality.objects.all():
            for label in (m.name, m.short_name):
                if label:
                    self.municipalities[name_key(label)] = m
        qs = queryset if queryset is not None else School.objects.all()
        for school in qs.select_related("municipality"):
            self.add(school)

    def add(self, school: School) -> None:
        if school.fis_oko_login:
            self.by_login[school.fis_oko_login] = school
        m = school.municipality
        for name in {school.name, school.short_name, *school.aliases}:
            key = name_key(name)
            for label in (m.name, m.short_name):
                if label:
                    self.by_name[(name_key(label), key)] = school
            candidates = self.by_name_only.setdefault(key, [])
            if school not in candidates:  # several spellings of one school are still one candidate
                candidates.append(school)

    def municipality(self, label: str) -> Municipality | None:
        return self.municipalities.get(name_key(label))

    def find(self, ref) -> School | None:
        if ref.login and ref.login in self.by_login:
            return self.by_login[ref.login]
        if ref.name:
            key = name_key(ref.name)
            if ref.municipality:
                return self.by_name.get((name_key(ref.municipality), key))
            candidates = self.by_name_only.get(key, [])
            return candidates[0] if len(candidates) == 1 else None
        return None


class SubjectMatcher:
    def __init__(self):
        self.by_key: dict[str, Subject] = {}
        for subject in Subject.objects.all():
            for label in (subject.name, subject.code, *subject.aliases):
                self.by_key[name_key(label)] = subject

    def find(self, label: str) -> Subject | None:
        return self.by_key.get(name_key(label))
