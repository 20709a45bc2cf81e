"""Deterministic generator of a ФИС ОКО «Индивидуальные результаты» workbook (municipal, multi-school export).

Used by the import benchmarks and the importer tests. Needs only openpyxl (no Django settings):

    python benchmarks/generate_vpr.py OUT.xlsx --rows 100000 [--schools 400] [--seed 2025]

Layout written (the ``vpr_fis_oko`` importer's "export" variant):

    row 1   ВПР 2024 Математика 5 класс
    row 2   Предмет | Математика
    row 3   Максимальный первичный балл | 20
    row 4   Дата | 16.04.2024
    row 5   Муниципальная выгрузка | Кол-во участников: N
    row 6   Б/П level of each task column
    row 7   header: ОО, Муниципалитет, Название ОО, Код участника, Класс, Вариант, tasks…, Первичный балл, Отметка,
            Отметка по журналу, Пол
    row 8…  one participant per row
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

from openpyxl import Workbook

SUBJECT = "Математика"
GRADE = 5
YEAR = 2024
DATE = "16.04.2024"

# (header, max points, level)
TASKS: list[tuple[str, int, str]] = [
    ("1 (1б)", 1, "Б"),
    ("2 (1б)", 1, "Б"),
    ("3 (1б)", 1, "Б"),
    ("4 (1б)", 1, "Б"),
    ("5 (1б)", 1, "Б"),
    ("6 (2б)", 2, "Б"),
    ("7 (1б)", 1, "Б"),
    ("8 (2б)", 2, "П"),
    ("9 (1б)", 1, "Б"),
    ("10 (2б)", 2, "П"),
    ("11.1 (1б)", 1, "Б"),
    ("11.2 (1б)", 1, "П"),
    ("12 (2б)", 2, "П"),
    ("13К1 (1б)", 1, "П"),
    ("13К2 (2б)", 2, "П"),
]
MAX_SCORE = sum(points for _, points, _ in TASKS)  # 20

# primary score → mark: 0–6 → 2, 7–11 → 3, 12–16 → 4, 17–20 → 5
MARK_FLOORS = ((17, 5), (12, 4), (7, 3), (0, 2))

MUNICIPALITIES = [
    "Городской округ Северный",
    "Заречный муниципальный район",
    "Озёрский муниципальный округ",
    "Лесной муниципальный район",
    "Приморский городской округ",
    "Степной муниципальный район",
    "Горный муниципальный округ",
    "Речной муниципальный район",
    "Восточный городской округ",
    "Южный муниципальный район",
]
SCHOOL_KINDS = ["МОУ СОШ №", "МБОУ СОШ №", "МОУ ООШ №", "МАОУ «Гимназия №", "МБОУ «Лицей №"]
CLASS_LETTERS = "АБВГД"
NOT_DONE = ("X", "Х")  # Latin and Cyrillic, as in real exports
HEADER = ["ОО", "Муниципалитет", "Название ОО", "Код участника", "Класс", "Вариант"]
TRAILER = ["Первичный балл", "Отметка", "Отметка по журналу", "Пол"]


def mark_for(score: int) -> int:
    for floor, mark in MARK_FLOORS:
        if score >= floor:
            return mark
    return 2


def _schools(count: int) -> list[tuple[str, str, str]]:
    result = []
    for i in range(count):
        municipality = MUNICIPALITIES[i % len(MUNICIPALITIES)]
        kind = SCHOOL_KINDS[i % len(SCHOOL_KINDS)]
        name = f"{kind} {i + 1}" + ("»" if "«" in kind else "")
        result.append((f"edu{760000 + i:06d}", municipality, name))
    return result


def _school_sizes(rows: int, schools: int, rng: random.Random) -> list[int]:
    """Split ``rows`` participants between schools: uneven (small rural and large urban schools), every school ≥ 1."""
    weights = [rng.uniform(0.2, 3.0) for _ in range(schools)]
    total = sum(weights)
    sizes = [max(1, int(rows * w / total)) for w in weights]
    diff = rows - sum(sizes)
    index = 0
    while diff:
        step = 1 if diff > 0 else -1
        if step > 0 or sizes[index] > 1:
            sizes[index] += step
            diff -= step
        index = (index + 1) % schools
    return sizes


def _participant(rng: random.Random) -> tuple[list, int, int, int]:
    ability = rng.betavariate(3.2, 2.2)
    cells: list = []
    total = 0
    for _, points, level in TASKS:
        if rng.random() < 0.02:
            cells.append(NOT_DONE[rng.random() < 0.5])
            continue
        chance = ability * (0.85 if level == "П" else 1.0)
        score = sum(1 for _ in range(points) if rng.random() < chance)
        cells.append(score)
        total += score
    mark = mark_for(total)
    journal = mark
    roll = rng.random()
    if roll < 0.15:
        journal = min(5, mark + 1)
    elif roll < 0.22:
        journal = max(2, mark - 1)
    return cells, total, mark, journal


def generate(path, rows: int = 100_000, schools: int = 400, seed: int = 2025) -> Path:
    """Write the workbook to ``path`` and return it as a Path. Same arguments → same cell values."""
    if rows < 1:
        raise ValueError("нужна хотя бы одна строка с участником")
    rng = random.Random(seed)
    path = Path(path)
    schools = max(1, min(schools, rows))
    workbook = Workbook(write_only=True)
    workbook.properties.created = dt.datetime(YEAR, 4, 20)
    workbook.properties.modified = dt.datetime(YEAR, 4, 20)
    sheet = workbook.create_sheet("Индивидуальные результаты")
    width = len(HEADER) + len(TASKS) + len(TRAILER)
    sheet.append([f"ВПР {YEAR} {SUBJECT} {GRADE} класс"])
    sheet.append(["Предмет", SUBJECT])
    sheet.append(["Максимальный первичный балл", MAX_SCORE])
    sheet.append(["Дата", DATE])
    sheet.append(["Муниципальная выгрузка", f"Кол-во участников: {rows}"])
    sheet.append([None] * len(HEADER) + [level for _, _, level in TASKS] + [None] * len(TRAILER))
    header = HEADER + [title for title, _, _ in TASKS] + TRAILER
    assert len(header) == width
    sheet.append(header)
    for (login, municipality, name), size in zip(_schools(schools), _school_sizes(rows, schools, rng), strict=True):
        classes = max(1, min(len(CLASS_LETTERS), size // 25 + 1))
        for k in range(size):
            cells, total, mark, journal = _participant(rng)
            sheet.append([
                login, municipality, name, 10001 + k, f"{GRADE}{CLASS_LETTERS[k % classes]}", 1 + rng.randrange(2),
                *cells, total, mark, journal, "м" if rng.random() < 0.5 else "ж",
            ])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Сгенерировать выгрузку ФИС ОКО «Индивидуальные результаты» ВПР")
    parser.add_argument("out", help="путь к создаваемому файлу .xlsx")
    parser.add_argument("--rows", type=int, default=100_000, help="число участников (строк)")
    parser.add_argument("--schools", type=int, default=400, help="число ОО")
    parser.add_argument("--seed", type=int, default=2025, help="зерно генератора случайных чисел")
    args = parser.parse_args(argv)
    out = generate(args.out, rows=args.rows, schools=args.schools, seed=args.seed)
    print(f"{out}: {args.rows} участников, {min(args.schools, args.rows)} ОО")


if __name__ == "__main__":
    main()
