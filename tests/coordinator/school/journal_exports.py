"""Class lists the way schools have them: files modelled on the exports of the common
electronic journals, built with openpyxl (xlsx) or written as CSV in the encodings
schools meet. The layouts are modelled on what these systems export (titles above the
table, ``№ п/п``, ``Дата рождения``, ``Пол``, the name in one or three columns, the
class in a column, per sheet or in a title); the names are invented.

``python -m tests.coordinator.school.journal_exports DIR`` writes every file into DIR;
``fixtures/dnevnik_8abv.xlsx`` was made this way and is committed as a real file.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

# Three classes of an 8th grade; ё in names, an ё/е namesake in another class.
CLASS_8A = ["Алёшина Дарья Сергеевна", "Борисов Кирилл Андреевич", "Ёлкин Артём Петрович",
            "Григорьева Полина Олеговна", "Дьячков Семён Ильич"]
CLASS_8B = ["Егорова Алёна Викторовна", "Жуков Матвей Романович", "Зайцева Ксения Павловна",
            "Алешина  Дарья Сергеевна", "Карпов Фёдор Денисович", "Лебедева Майя Игоревна"]
CLASS_8V = ["Морозов Глеб Артёмович", "Никитина Вера Степановна", "Орлов Тимофей Ильич", "Пестова Ульяна Юрьевна"]
ALL_NAMES = CLASS_8A + CLASS_8B + CLASS_8V


def _birth(i: int) -> date:
    return date(2012, 1 + i % 12, 1 + (i * 7) % 28)


def dnevnik_three_sheets(path: Path) -> Path:
    """«Дневник.ру»-like: one sheet per class named «8А», «8Б», «8В»; the header on row 2
    under a title; ``№ п/п | ФИО ученика | Дата рождения | Пол | Отметка по английскому
    языку``; a footer with the class teacher."""
    wb = Workbook()
    wb.remove(wb.active)
    for cls, names in (("8А", CLASS_8A), ("8Б", CLASS_8B), ("8В", CLASS_8V)):
        ws = wb.create_sheet(cls)
        ws.append([f"Список учеников {cls} класса"])
        ws["A1"].font = Font(bold=True)
        ws.append(["№ п/п", "ФИО ученика", "Дата рождения", "Пол", "Отметка по английскому языку"])
        for i, n in enumerate(names, 1):
            ws.append([i, n, _birth(i), "ж" if n.split()[0].endswith("а") else "м", 3 + i % 3])
        ws.append([])
        ws.append(["Классный руководитель: ____________"])
    wb.save(path)
    return path


def elzhur_one_sheet(path: Path) -> Path:
    """«ЭлЖур»-like: one sheet, two title rows, then ``№ | Фамилия | Имя | Отчество |
    Класс | Дата рождения | Пол | СНИЛС``; classes written «8 «Б»», «8-в»; the header
    repeated after a page break; a total row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Ученики"
    ws.append(["МАОУ СОШ №4"])
    ws.append(["Список обучающихся на 2025/2026 учебный год"])
    header = ["№", "Фамилия", "Имя", "Отчество", "Класс", "Дата рождения", "Пол", "СНИЛС"]
    ws.append(header)
    n = 0
    for cls, names in (("8А", CLASS_8A), ("8 «Б»", CLASS_8B), ("8-в", CLASS_8V)):
        if cls == "8-в":
            ws.append(header)  # repeated on the next printed page
        for name in names:
            n += 1
            parts = name.split()
            ws.append([n, parts[0], parts[1], parts[2] if len(parts) > 2 else None, cls, _birth(n).strftime("%d.%m.%Y"),
                       "Ж" if parts[0].endswith("а") else "М", f"123-456-{n:03d} 0{n % 10}"])
    ws.append([None, "Всего учащихся:", n])
    wb.save(path)
    return path


def setevoy_gorod_marks(path: Path, names: list[str] = CLASS_8A, cls: str = "8А") -> Path:
    """«Сетевой город»-like report of final marks for one class: title rows with
    «Класс: 8А», the header on row 5 with subjects; «н/а» and «осв» as marks; an
    average column that is not a mark."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Итоговые отметки"
    ws.append(["Итоговые отметки"])
    ws.append(["Учебный год: 2025/2026", None, "Период: I полугодие"])
    ws.append([f"Класс: {cls}"])
    ws.append([])
    ws.append(["№", "Ученик", "Русский язык", "Математика", "Иностранный язык (английский)", "Физическая культура",
               "Средний балл"])
    for i, n in enumerate(names, 1):
        eng = "н/а" if i == 2 else 2 + i % 4
        ws.append([i, n, 4, 3 + i % 3, eng, "осв", 4.25])
    wb.save(path)
    return path


def converted_from_xls(path: Path) -> Path:
    """An old .xls saved again as .xlsx: numbers come back as floats, dates as dates,
    merged title cells, doubled spaces in names, the class in lower case."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Лист1"
    ws.append(["Список класса"])
    ws.merge_cells("A1:E1")
    ws.append(["№ п/п", "ФИО", "Класс", "Дата рождения", "Пол"])
    for i, n in enumerate(CLASS_8V, 1):
        ws.append([float(i), n.replace(" ", "  ", 1), "8в", _birth(i), "м"])
    wb.save(path)
    return path


def csv_cp1251(path: Path) -> Path:
    """CSV from Excel on a Russian Windows: Windows-1251, ``;``, a title line above."""
    lines = ["Список обучающихся 8 «Б» класса", "№;Фамилия;Имя;Отчество;Дата рождения"]
    for i, n in enumerate(CLASS_8B, 1):
        parts = n.split()
        lines.append(f"{i};{parts[0]};{parts[1]};{parts[2]};{_birth(i).strftime('%d.%m.%Y')}")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    return path


def csv_utf8_bom(path: Path) -> Path:
    """CSV saved as «CSV UTF-8»: a byte-order mark, ``,`` separators, quoted names."""
    lines = ["\ufeffФИО,Класс,Пол"] + [f'"{n}",8А,' for n in CLASS_8A]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


BUILDERS = {
    "dnevnik_8abv.xlsx": dnevnik_three_sheets,
    "elzhur_8abv.xlsx": elzhur_one_sheet,
    "setevoy_8a_marks.xlsx": setevoy_gorod_marks,
    "converted_8v.xlsx": converted_from_xls,
    "8b_cp1251.csv": csv_cp1251,
    "8a_utf8_bom.csv": csv_utf8_bom,
}


if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, build in BUILDERS.items():
        build(out / name)
        print(out / name)
