"""Benchmark of the paper side at school scale: N participants x T tasks (default
2,000 x 20) - results import + validation + storage + export (xlsx and CSV), and the
codes PDF for N codes. Prints measured seconds and ratios against a same-run baseline:
plain openpyxl read-only load + full load and save of the same sheet.

Targets from issue 7: import + validate + export <= 2 s; codes PDF <= 5 s.
Usage: python bench/results_scale.py [--participants 2000] [--tasks 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook, load_workbook  # noqa: E402

from coordinator.school import codes, federal_layout, forms, results, roster, settings, subjects  # noqa: E402
from coordinator.school.pdf_codes import render_codes_pdf  # noqa: E402
from coordinator.school.store import SchoolStore  # noqa: E402


def bench_subject(n_tasks: int) -> subjects.Subject:
    tasks = [{"number": str(i) if i % 7 else f"{i // 7}.1", "max": 1 + i % 3, "level": "Б" if i % 4 else "П"}
             for i in range(1, n_tasks + 1)]
    total = sum(t["max"] for t in tasks)
    doc = {"format": subjects.FORMAT, "subjects": [{
        "id": "bench", "name": "Математика", "grade": 8, "variants": 4, "tasks": tasks,
        "scale": {"3": total // 4, "4": total // 2, "5": total * 3 // 4}}]}
    return subjects.parse_subjects(doc)[0]


def filled_form(path: Path, store: SchoolStore, subject: subjects.Subject, rng: random.Random) -> None:
    rows = [results.Result(c.code, c.class_name, results.ResultStatus.DONE, None, (), None, None, None)
            for c in codes.active_codes(store)]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Результаты")
    ws.append([subject.title])
    for _ in range(forms.HEADER_ROW - 2):
        ws.append([])
    table = federal_layout.table_rows(subject, settings.get_info(store), rows, blank=True)
    ws.append(table[0])
    for r in table[1:]:
        pts = [rng.choice(["X", "-"]) if rng.random() < 0.05 else rng.randint(0, t.max_points) for t in subject.tasks]
        ws.append(r[:5] + [rng.randint(1, 4)] + pts)
    wb.save(path)


def timed(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, default=2000)
    ap.add_argument("--tasks", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        store = SchoolStore(tmp / "node")
        subject = bench_subject(a.tasks)
        subjects.save_subjects(store, [subject])
        per_class = 25
        letters = "АБВГДЕЖЗИКЛМНО"
        counts: dict[str, int] = {}
        for i in range(a.participants):
            name = f"{5 + (i // per_class) // len(letters)}{letters[(i // per_class) % len(letters)]}"
            counts[name] = counts.get(name, 0) + 1
        roster.add_counts(store, counts)
        codes.generate(store)
        n = len(codes.active_codes(store))
        form = tmp / "filled.xlsx"
        filled_form(form, store, subject, rng)
        info = settings.get_info(store)

        def import_validate_export() -> None:
            forms.import_form(store, subject, form)
            rows = results.list_results(store, subject, status=results.ResultStatus.DONE)
            forms.export_xlsx(tmp / "out.xlsx", subject, info, rows, "15.04.2026")
            forms.export_csv(tmp / "out.csv", subject, info, rows)

        def parts() -> dict[str, float]:
            t0 = time.perf_counter()
            forms.import_form(store, subject, form)
            t1 = time.perf_counter()
            rows = results.list_results(store, subject, status=results.ResultStatus.DONE)
            forms.export_xlsx(tmp / "out.xlsx", subject, info, rows, "15.04.2026")
            t2 = time.perf_counter()
            forms.export_csv(tmp / "out.csv", subject, info, rows)
            t3 = time.perf_counter()
            return {"import_validate_store_s": t1 - t0, "export_xlsx_s": t2 - t1, "export_csv_s": t3 - t2}

        def baseline_readonly() -> None:
            wb = load_workbook(form, read_only=True)
            for _ in wb.worksheets[0].iter_rows(values_only=True):
                pass
            wb.close()

        def baseline_load_save() -> None:
            load_workbook(form).save(tmp / "baseline.xlsx")

        pipeline = timed(import_validate_export, a.repeat)
        split_runs = [parts() for _ in range(a.repeat)]
        split = {k: min(r[k] for r in split_runs) for k in split_runs[0]}
        base_ro = timed(baseline_readonly, a.repeat)
        base_ls = timed(baseline_load_save, a.repeat)
        items = codes.active_codes(store)
        pdf_bytes: list[bytes] = []
        pdf_s = timed(lambda: pdf_bytes.append(render_codes_pdf(items, "МАОУ СОШ №4")), a.repeat)
        store.close()
    figures = {
        "participants": n, "tasks": a.tasks, "repeat_best_of": a.repeat,
        "import_validate_export_s": round(pipeline, 3), **{k: round(v, 3) for k, v in split.items()},
        "baseline_openpyxl_readonly_iter_s": round(base_ro, 3),
        "baseline_openpyxl_load_save_s": round(base_ls, 3),
        "ratio_pipeline_vs_load_save": round(pipeline / base_ls, 2),
        "codes_pdf_s": round(pdf_s, 3), "codes_pdf_pages": pdf_bytes[-1].count(b"/Type /Page\n"),
        "codes_pdf_bytes": len(pdf_bytes[-1]),
    }
    import openpyxl
    figures["openpyxl_uses_lxml"] = bool(openpyxl.LXML)
    print(f"Участников: {n}, заданий: {a.tasks} (лучшее из {a.repeat}); openpyxl c lxml: {bool(openpyxl.LXML)}")
    print(f"  импорт + проверка + запись + экспорт xlsx/csv: {pipeline:.3f} с (цель <= 2 с)")
    print(f"    по частям (лучшее из {a.repeat}): импорт с проверкой и записью: {split['import_validate_store_s']:.3f} с, "
          f"экспорт xlsx: {split['export_xlsx_s']:.3f} с, csv: {split['export_csv_s']:.3f} с")
    print(f"  база: openpyxl read-only чтение {base_ro:.3f} с; openpyxl load+save {base_ls:.3f} с; "
          f"конвейер / load+save = {pipeline / base_ls:.2f}")
    print(f"  PDF кодов ({n} кодов, {figures['codes_pdf_pages']} стр.): {pdf_s:.3f} с (цель <= 5 с)")
    out = Path(__file__).resolve().parent.parent / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "results_scale.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
