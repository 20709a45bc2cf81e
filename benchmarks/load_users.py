"""The simulated users of benchmarks/load_test.py: what each kind of user does and what each answer may be.

Every request is timed and counted by its kind and status. A 5xx, a connection error or timeout, a status the step
does not expect, or a page without what the step needs is a problem, and any problem fails the run.
"""

from __future__ import annotations

import io
import random
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser

import openpyxl
import requests

PASSWORD = "load-test-password-2026"
INTRUDER = "load_intruder"
TEMPLATE = "template_vpr"
# Few subjects, grades and years, so that the imports of a school (two sessions each) often overlap in scope.
SUBJECTS = ("Русский язык", "Математика", "История")
GRADES = (4, 5, 6)
YEARS = ("2024",)

# Every kind of request and the statuses it may answer with; anything else fails the run.
EXPECTED = {
    "public_index": {200}, "public_page": {200}, "public_csv": {200},
    "login_form": {200}, "login": {302}, "home_redirect": {302}, "home": {200}, "page": {200}, "logout": {302},
    "login_wrong": {200, 429},  # a wrong password re-shows the form; after AXES_FAILURE_LIMIT of them, the lockout
    "upload_form": {200}, "template": {200}, "upload": {302}, "upload_preview": {200}, "upload_confirm": {302},
    "upload_result": {200},
    "activity_form": {200}, "activity_save": {200, 409},  # 409: another user saved the activity first
    "activity_invalid": {422},
}
HX = {"HX-Request": "true"}


class StepFailed(Exception):
    """A request of the step was answered wrongly (already recorded as a problem): the step is abandoned."""


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.outcomes: Counter = Counter()
        self.problems: dict[str, list[str]] = defaultdict(list)

    def record(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[kind][status] += 1

    def problem(self, category: str, text: str) -> None:
        with self.lock:
            self.problems[category].append(text)

    def outcome(self, name: str) -> None:
        with self.lock:
            self.outcomes[name] += 1


class _FormFields(HTMLParser):
    """The (name, value) pairs a browser would submit for the first form of an HTML fragment."""

    def __init__(self):
        super().__init__()
        self.pairs: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: tuple[str, bool, list] | None = None  # name, multiple, [(value, selected)]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type", "text") not in ("submit", "button", "checkbox", "file"):
            self.pairs.append((a["name"], a.get("value") or ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.pairs.append((a["name"], ""))
        elif tag == "select" and a.get("name"):
            self._select = (a["name"], "multiple" in a, [])
        elif tag == "option" and self._select is not None:
            self._select[2].append((a.get("value") or "", "selected" in a))

    def handle_data(self, data):
        if self._textarea is not None:
            name, value = self.pairs[-1]
            self.pairs[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, multiple, options = self._select
            chosen = [v for v, selected in options if selected]
            if not chosen and not multiple and options:  # a browser sends the first option of a plain select
                chosen = [options[0][0]]
            self.pairs.extend((name, v) for v in chosen)
            self._select = None


def form_fields(html: str) -> list[tuple[str, str]]:
    parser = _FormFields()
    parser.feed(html)
    return parser.pairs


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not found:
        raise ValueError("в форме нет csrfmiddlewaretoken")
    return found.group(1)


def contains(*texts: str):
    def check(response) -> str | None:
        missing = [t for t in texts if t not in response.text]
        return f"в ответе нет {missing}" if missing else None
    return check


def redirects_to(pattern: str):
    def check(response) -> str | None:
        location = response.headers.get("Location", "")
        return None if re.fullmatch(pattern, location) else f"перенаправление на «{location}», ожидалось {pattern}"
    return check


def upload_status(html: str) -> str:
    found = re.search(r'data-testid="upload-status">([^<]+)<', html)
    return found.group(1).strip() if found else "?"


def first_message(html: str) -> str:
    """The text of the page's first message (inc/messages.html)."""
    found = re.search(r'<div class="alert alert-\w+ alert-dismissible[^>]*>(.*?)<button', html, re.S)
    return " ".join(found.group(1).split()) if found else ""


def fill_template(template: bytes, school: dict, rng: random.Random) -> bytes:
    """The portal's ВПР template filled in for ``school``: a few subjects and grades, marks adding up."""
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    for subject, grade in rng.sample([(s, g) for s in SUBJECTS for g in GRADES], k=rng.randint(2, 6)):
        marks = {f"Отметка «{mark}»": rng.randint(1, 9) for mark in (2, 3, 4, 5)}
        row = {"Муниципалитет": school["municipality"], "Наименование ОО": school["name"], "Предмет": subject,
               "Класс": grade, "Участников": sum(marks.values()), **marks}
        sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass
class Plan:
    """Where and how long the users work, and what of the prepared database they use."""

    base: str
    deadline: float
    think: tuple[float, float]
    timeout: float
    activities: list[int]
    accounts: list[tuple[str, list[str]]]  # username, pages to look at after logging in


def session() -> requests.Session:
    """A browser session that opens a connection per request, as with the sync workers of docker-compose.yml.

    With keep-alive, gunicorn's gthread worker closes a connection idle for 2 s; a client that reuses it at that
    very moment gets «connection reset» — a timing race of the two ends (browsers resend such a request, requests
    does not), not an answer of the portal."""
    http = requests.Session()
    http.headers["Connection"] = "close"
    return http


class VirtualUser(threading.Thread):
    def __init__(self, plan: Plan, stats: Stats, seed: int, start_delay: float):
        super().__init__(daemon=True)
        self.plan, self.stats, self.rng, self.start_delay = plan, stats, random.Random(seed), start_delay
        self.http, self.logged_in = session(), False

    def run(self) -> None:
        time.sleep(self.start_delay)
        try:
            while self.alive():
                try:
                    self.iteration()
                except StepFailed:
                    self.http, self.logged_in = session(), False  # start afresh, logged out
                self.pause()
        except Exception as exc:  # a bug of the client itself must not pass unnoticed
            self.stats.problem("client", f"{type(self).__name__}: {type(exc).__name__}: {exc}")

    def iteration(self) -> None:
        raise NotImplementedError

    def alive(self) -> bool:
        return time.monotonic() < self.plan.deadline

    def pause(self, scale: float = 1.0) -> None:
        wait = self.rng.uniform(*self.plan.think) * scale
        time.sleep(max(0.0, min(wait, self.plan.deadline - time.monotonic())))

    def call(self, kind: str, method: str, path: str, *, check=None, **kwargs) -> requests.Response:
        started = time.perf_counter()
        try:
            response = self.http.request(method, self.plan.base + path, allow_redirects=False,
                                         timeout=self.plan.timeout, **kwargs)
        except requests.RequestException as exc:
            self.stats.problem("connection", f"{kind} {method} {path}: {type(exc).__name__}: {exc}")
            raise StepFailed from exc
        self.stats.record(kind, response.status_code, time.perf_counter() - started)
        where = f"{kind} {method} {path} → {response.status_code}"
        if response.status_code >= 500:
            self.stats.problem("5xx", f"{where}: {response.text[:300]!r}")
            raise StepFailed
        if response.status_code not in EXPECTED[kind]:
            self.stats.problem("unexpected", f"{where}: {response.text[:300]!r}")
            raise StepFailed
        if check is not None and (message := check(response)):
            self.stats.problem("unexpected", f"{where}: {message}")
            raise StepFailed
        return response

    def ensure_login(self, username: str) -> None:
        if not self.logged_in:
            self.login(username)
            self.logged_in = True

    def login(self, username: str) -> None:
        """Log in through the real form, then follow the redirects to the role's home page."""
        token = csrf_token(self.call("login_form", "GET", "/login/").text)
        self.call("login", "POST", "/login/", check=redirects_to("/"),
                  data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": ""})
        home = self.call("home_redirect", "GET", "/", check=redirects_to(r"/(staff|principal|curator)/"))
        self.call("home", "GET", home.headers["Location"])

    def csrf_header(self) -> dict:
        return {"X-CSRFToken": self.http.cookies.get("csrftoken", "")}


class Visitor(VirtualUser):
    """An anonymous visitor of the open pages: the list, a municipality page, sometimes its CSV."""

    def iteration(self) -> None:
        index = self.call("public_index", "GET", "/public/")
        found = sorted(set(re.findall(r'href="/public/(\d+)/"', index.text)))
        if not found:
            self.stats.problem("unexpected", "на /public/ нет ни одного муниципалитета")
            raise StepFailed
        pk = self.rng.choice(found)
        self.pause(0.5)
        self.call("public_page", "GET", f"/public/{pk}/")
        if self.rng.random() < 0.3:
            self.pause(0.5)
            self.call("public_csv", "GET", f"/public/{pk}/data/indicators.csv",
                      check=lambda r: None if r.headers.get("Content-Type", "").startswith("text/csv")
                      else f"Content-Type {r.headers.get('Content-Type')}")


class Browser(VirtualUser):
    """A staff member, curator or principal who logs in, looks at two pages of their role and logs out."""

    def iteration(self) -> None:
        username, pages = self.rng.choice(self.plan.accounts)
        self.login(username)
        for page in self.rng.sample(pages, k=min(2, len(pages))):
            self.pause(0.5)
            self.call("page", "GET", page)
        self.pause(0.5)
        self.call("logout", "POST", "/logout/", data={"csrfmiddlewaretoken": self.http.cookies.get("csrftoken")},
                  check=redirects_to("/login/"))


class Intruder(VirtualUser):
    """Wrong passwords for a throw-away user: the form again, then django-axes' lockout page (429)."""

    def iteration(self) -> None:
        token = csrf_token(self.call("login_form", "GET", "/login/").text)
        response = self.call("login_wrong", "POST", "/login/", check=self._check, data={
            "username": INTRUDER, "password": "wrong-password", "csrfmiddlewaretoken": token, "next": ""})
        locked = response.status_code == 429
        self.stats.outcome("lockout" if locked else "wrong_password")
        if locked:
            self.pause(4)  # locked out for AXES_COOLOFF_HOURS: only check now and then that it holds

    @staticmethod
    def _check(response) -> str | None:
        text = "Вход временно заблокирован" if response.status_code == 429 else "Неверное имя пользователя"
        return None if text in response.text else f"в ответе нет «{text}»"


class Principal(VirtualUser):
    """A principal uploading the school's ВПР results in the portal's template: check, preview, confirm."""

    def __init__(self, *args, school: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school

    def iteration(self) -> None:
        self.ensure_login(self.school["username"])
        form = self.call("upload_form", "GET", "/results/uploads/new/", check=contains(f"/{TEMPLATE}.xlsx"))
        template = self.call("template", "GET", f"/results/templates/{TEMPLATE}.xlsx")
        data = fill_template(template.content, self.school, self.rng)
        self.pause()
        path = self._upload(csrf_token(form.text), data)
        preview = self.call("upload_preview", "GET", path, check=contains("проверен, ждёт подтверждения"))
        self.pause()
        self.call("upload_confirm", "POST", path + "confirm/", check=redirects_to(re.escape(path)),
                  data={"csrfmiddlewaretoken": csrf_token(preview.text), "confirm_warnings": "on"})
        result = self.call("upload_result", "GET", path)
        if upload_status(result.text) == "загружен":  # also when another import of the school ran at the same time
            self.stats.outcome("upload_imported")
        else:
            self.stats.problem("unexpected", f"upload_result {path}: статус «{upload_status(result.text)}»: "
                                             f"{first_message(result.text)}")

    def _upload(self, token: str, data: bytes) -> str:
        name = f"vpr-{self.school['username']}.xlsx"
        response = self.call(
            "upload", "POST", "/results/uploads/new/", check=redirects_to(r"/results/uploads/\d+/"),
            data={"csrfmiddlewaretoken": token, "kind": TEMPLATE, "academic_year": self.rng.choice(YEARS)},
            files={"file": (name, data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})
        return response.headers["Location"]


class Editor(VirtualUser):
    """A staff member editing roadmap activities in place (htmx), several editors on the same few activities."""

    def __init__(self, *args, username: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.username, self.edits = username, 0

    def iteration(self) -> None:
        self.ensure_login(self.username)
        pk = self.rng.choice(self.plan.activities)
        path = f"/roadmaps/activities/{pk}/edit/"
        form = self.call("activity_form", "GET", path, headers=HX, check=contains('data-testid="activity-form-row"'))
        fields = form_fields(form.text)
        self.pause()
        invalid = self.rng.random() < 0.15
        self.edits += 1
        changed = {"title": " "} if invalid else {"expected_result": f"Правка нагрузочного теста № {self.edits}"}
        data = [(name, changed.get(name, value)) for name, value in fields]
        kind = "activity_invalid" if invalid else "activity_save"
        response = self.call(kind, "POST", path, data=data, headers=HX | self.csrf_header(), check=self._check)
        self.stats.outcome({200: "edit_saved", 409: "edit_conflict", 422: "edit_invalid"}[response.status_code])

    @staticmethod
    def _check(response) -> str | None:
        text = {200: 'data-testid="activity-row"', 409: "уже изменил другой пользователь",
                422: "Введите наименование мероприятия"}[response.status_code]
        return None if text in response.text else f"в ответе нет «{text}»"
