"""Reading a table's rows the way they lie in the bytes of an SQLite file (issue 20): a
new row's cell is placed in the page below the ones inserted before it, so the offsets
of the cells give the order the rows were written in - whatever their ids say. Only
tables whose rows fit one leaf page (a class of 30) or a root page over leaf pages."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for i in range(9):
        b = buf[pos + i]
        if i == 8:
            return (value << 8) | b, pos + 9
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            return value, pos + i + 1
    raise ValueError("bad varint")  # pragma: no cover


def _page(data: bytes, size: int, n: int) -> tuple[bytes, int]:
    """The page and where its b-tree header starts (page 1 has the file header first)."""
    return data[(n - 1) * size: n * size], 100 if n == 1 else 0


def _leaf_rows(data: bytes, size: int, n: int) -> list[tuple[int, int]]:
    """(cell offset, rowid) of every row in a table leaf page; interior pages are
    followed."""
    page, h = _page(data, size, n)
    kind, cells = page[h], int.from_bytes(page[h + 3:h + 5], "big")
    if kind == 0x0D:  # table leaf
        out = []
        for i in range(cells):
            off = int.from_bytes(page[h + 8 + 2 * i: h + 10 + 2 * i], "big")
            _, pos = _varint(page, off)  # payload size
            rowid, _ = _varint(page, pos)
            out.append((n * size + off, rowid))
        return out
    if kind == 0x05:  # table interior: children, then the right-most pointer
        out = []
        for i in range(cells):
            off = int.from_bytes(page[h + 12 + 2 * i: h + 14 + 2 * i], "big")
            out += _leaf_rows(data, size, int.from_bytes(page[off:off + 4], "big"))
        out += _leaf_rows(data, size, int.from_bytes(page[h + 8:h + 12], "big"))
        return out
    raise ValueError(f"page {n} is not a table b-tree page ({kind})")


def written_order(db: Path, table: str) -> list[int]:
    """Rowids of ``table`` in the order their bytes were written: within a page, the
    cell at the higher offset came first. (The file must be checkpointed.)"""
    data = Path(db).read_bytes()
    size = int.from_bytes(data[16:18], "big")
    size = 65536 if size == 1 else size
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone()[0]
    finally:
        con.close()
    rows = _leaf_rows(data, size, root)
    by_page: dict[int, list[tuple[int, int]]] = {}
    for off, rowid in rows:
        by_page.setdefault(off // size, []).append((off, rowid))
    return [rowid for page in sorted(by_page) for _, rowid in sorted(by_page[page], reverse=True)]
