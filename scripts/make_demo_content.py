#!/usr/bin/env python3
"""Regenerates the committed demo content in ``exam_content/demo_src/`` (and the
station's sound-check phrase ``station/assets/sound_check_ru.ogg``): the three
source manifests (English, German, French) in format version 2, the pictures (drawn
with Pillow) and the spoken prompts (espeak-ng from Debian, two voices for the
listening dialogue, encoded to Ogg Vorbis with soundfile).

The texts are in ``demo_texts.py``; the figures (task numbers, points, levels,
timings, the maximum primary score, the mark scale) only in
``exam_content/demo_src/structure.json``.

Users never need to run this: its output is committed. Developers run it after changing
the texts here: ``.venv/bin/python scripts/make_demo_content.py`` (needs espeak-ng and
Pillow)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
import demo_texts as T  # noqa: E402 - the script's own folder

OUT = Path(__file__).resolve().parent.parent / "exam_content" / "demo_src"

STRUCTURE = OUT / "structure.json"
LETTERS = "ABCDEFGHIJ"


def _espeak(text: str, voice: str) -> tuple[np.ndarray, int]:
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", "135", "--stdout", text],
                         check=True, capture_output=True).stdout
    data, rate = sf.read(io.BytesIO(wav), dtype="float32")
    return data, rate


def _write_ogg(data: np.ndarray, rate: int, path: Path) -> None:
    data = 0.7 * data / max(float(np.max(np.abs(data))), 1e-6)
    sf.write(path, data, rate, format="OGG", subtype="VORBIS", compression_level=0.7)


def speak(text: str, voice: str, path: Path) -> None:
    """espeak-ng -> WAV (stdout) -> mono Ogg Vorbis at the same rate."""
    _write_ogg(*_espeak(text, voice), path)


def speak_dialogue(lines: list[str], voices: tuple[str, str], path: Path) -> float:
    """The lines spoken in turn by two voices with 0.5 s between them; returns seconds."""
    parts, rate = [], 22050
    for i, line in enumerate(lines):
        data, rate = _espeak(line, voices[i % 2])
        parts += [data, np.zeros(int(0.5 * rate), np.float32)]
    audio = np.concatenate(parts)
    _write_ogg(audio, rate, path)
    return len(audio) / rate


# ---- pictures -------------------------------------------------------------------------

W, H = 800, 600


def person(d: ImageDraw.ImageDraw, x: int, y: int, scale: float, shirt, hair, pose: str = "stand") -> None:
    """A simple figure with feet at (x, y)."""
    s = scale
    head_r = 22 * s
    body_top = y - 150 * s
    d.line([(x, y - 70 * s), (x - 18 * s, y)], fill=(40, 40, 60), width=int(9 * s))
    d.line([(x, y - 70 * s), (x + 18 * s, y)], fill=(40, 40, 60), width=int(9 * s))
    d.rounded_rectangle([x - 26 * s, body_top, x + 26 * s, y - 65 * s], radius=int(12 * s), fill=shirt)
    if pose == "wave":
        d.line([(x + 24 * s, body_top + 10 * s), (x + 60 * s, body_top - 40 * s)], fill=shirt, width=int(10 * s))
    else:
        d.line([(x + 24 * s, body_top + 10 * s), (x + 45 * s, body_top + 60 * s)], fill=shirt, width=int(10 * s))
    d.line([(x - 24 * s, body_top + 10 * s), (x - 45 * s, body_top + 60 * s)], fill=shirt, width=int(10 * s))
    cy = body_top - head_r - 2 * s
    d.ellipse([x - head_r, cy - head_r, x + head_r, cy + head_r], fill=(240, 200, 170))
    d.chord([x - head_r, cy - head_r - 3 * s, x + head_r, cy + head_r * 0.4], 180, 360, fill=hair)
    d.ellipse([x - 9 * s, cy - 4 * s, x - 5 * s, cy], fill=(30, 30, 30))
    d.ellipse([x + 5 * s, cy - 4 * s, x + 9 * s, cy], fill=(30, 30, 30))
    d.arc([x - 9 * s, cy + 2 * s, x + 9 * s, cy + 12 * s], 20, 160, fill=(150, 60, 60), width=max(1, int(2 * s)))


def tree(d, x, y, s=1.0):
    d.rectangle([x - 10 * s, y - 90 * s, x + 10 * s, y], fill=(110, 75, 40))
    d.ellipse([x - 60 * s, y - 200 * s, x + 60 * s, y - 70 * s], fill=(60, 140, 60))


def picnic() -> Image.Image:
    img = Image.new("RGB", (W, H), (150, 200, 245))
    d = ImageDraw.Draw(img)
    d.ellipse([620, 40, 720, 140], fill=(255, 215, 80))
    d.rectangle([0, 330, W, H], fill=(110, 185, 90))
    for x in (90, 250, 700):
        tree(d, x, 360, 1.1)
    d.polygon([(240, 520), (560, 520), (620, 590), (180, 590)], fill=(220, 70, 70))
    d.rectangle([360, 470, 440, 515], fill=(170, 120, 60))
    person(d, 300, 540, 1.1, (60, 110, 200), (60, 40, 20), "wave")
    person(d, 500, 545, 1.0, (240, 180, 40), (20, 20, 20))
    person(d, 610, 500, 0.7, (200, 80, 160), (120, 60, 20))
    return img


def music_room() -> Image.Image:
    img = Image.new("RGB", (W, H), (235, 225, 200))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 430, W, H], fill=(170, 120, 80))
    d.rectangle([80, 80, 330, 260], fill=(120, 170, 220), outline=(250, 250, 250), width=10)
    d.line([(205, 80), (205, 260)], fill=(250, 250, 250), width=8)
    d.rectangle([470, 120, 700, 200], fill=(60, 60, 60))
    for i in range(6):
        d.line([(480 + i * 38, 130), (480 + i * 38, 190)], fill=(220, 220, 220), width=3)
    person(d, 330, 520, 1.3, (40, 150, 130), (80, 50, 20))
    d.ellipse([330, 330, 430, 430], fill=(200, 130, 60))
    d.ellipse([358, 358, 402, 402], fill=(60, 40, 20))
    d.rectangle([420, 370, 560, 388], fill=(120, 80, 40))
    person(d, 600, 520, 1.1, (200, 60, 60), (230, 200, 90), "wave")
    return img


def winter() -> Image.Image:
    img = Image.new("RGB", (W, H), (200, 220, 240))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 360, W, H], fill=(245, 248, 252))
    d.ellipse([120, 430, 700, 560], fill=(180, 215, 235))
    for x, h in ((40, 150), (680, 190)):
        d.polygon([(x, 360), (x + 60, 360 - h), (x + 120, 360)], fill=(40, 110, 70))
    d.ellipse([60, 380, 160, 470], fill=(255, 255, 255), outline=(200, 200, 210))
    d.ellipse([75, 320, 145, 390], fill=(255, 255, 255), outline=(200, 200, 210))
    d.polygon([(110, 352), (140, 357), (110, 362)], fill=(240, 120, 30))
    person(d, 330, 510, 1.1, (210, 40, 40), (50, 30, 10), "wave")
    person(d, 480, 520, 1.1, (40, 80, 190), (200, 160, 60))
    for i in range(60):
        x, y = (i * 137) % W, (i * 71) % 360
        d.ellipse([x, y, x + 5, y + 5], fill=(255, 255, 255))
    return img


STATION_ASSETS = Path(__file__).resolve().parent.parent / "station" / "assets"
SOUND_CHECK_TEXT = "Проверка звука. Если вы слышите эту фразу, нажмите кнопку «Слышу»."


def _gapped_text(items: list) -> str:
    """The whole text of a typed task with numbered gaps and the given words."""
    return " ".join(p.replace("___", f"({i}) ___ ({word})") for i, (p, word, _a) in enumerate(items, start=1))


def _typed_task(task_id: str, fig: dict, title: str, instruction: str, items: list) -> dict:
    return {"id": task_id, "number": fig["number"], "type": "short_answer", "title": title,
            "max_points": fig["max_points"], "level": fig["level"], "criteria": T.ITEM_CRITERIA,
            "instruction": instruction, "text": _gapped_text(items),
            "items": [{"id": f"g{i}", "prompt": p, "word": word, "answer": {"accept": accept}}
                      for i, (p, word, accept) in enumerate(items, start=1)]}


def manifest_for(lang: str, c: dict, st: dict) -> dict:
    """The source manifest of one language: texts from demo_texts, figures from structure.json."""
    f = st["tasks"]
    listening, read, photo = f["listening"], f["read_aloud"], f["photo"]
    reading = f["reading"]
    assert len(c["questions"]) == listening["items"] and len(c["texts"]) == reading["texts"]
    assert len(c["headings"]) == reading["options"]
    tasks = [
        {"id": "intro", "number": "0", "type": "instructions", "title": "Инструкция", "max_points": 0,
         "criteria": "", "text": T.INTRO.format(subject_ru=c["subject_ru"]), "audio": None,
         "read_seconds": st["instructions"]["read_seconds"]},
        {"id": "listening", "number": listening["number"], "type": "listening", "title": "Аудирование",
         "max_points": listening["max_points"], "level": listening["level"], "criteria": T.ITEM_CRITERIA,
         "instruction": T.LISTEN_INSTRUCTION_RU, "audio": "media/listening.ogg",
         "audio_rehearsal": "media/listening_rehearsal.ogg", "plays": listening["plays"],
         "read_seconds": listening["read_seconds"], "answer_seconds": listening["answer_seconds"],
         "questions": [{"id": LETTERS[i], "text": q, "options": o, "answer": a}
                       for i, (q, o, a) in enumerate(c["questions"])]},
        {"id": "read_aloud", "number": read["number"], "type": "read_aloud", "title": "Чтение текста вслух",
         "max_points": read["max_points"], "level": read["level"], "criteria": T.READ_CRITERIA,
         "instruction": T.READ_INSTRUCTION, "text": c["read_text"], "prep_seconds": read["prep_seconds"],
         "answer_seconds": read["answer_seconds"], "rubric": T.READ_RUBRIC},
        {"id": "photo", "number": photo["number"], "type": "photo_description", "title": "Описание фотографии",
         "max_points": photo["max_points"], "level": photo["level"], "criteria": T.PHOTO_CRITERIA,
         "instruction": T.PHOTO_INSTRUCTION,
         "photos": ["media/photo_picnic.png", "media/photo_music.png", "media/photo_winter.png"],
         "plan": c["plan"], "prep_seconds": photo["prep_seconds"], "answer_seconds": photo["answer_seconds"],
         "rubric": T.PHOTO_RUBRIC},
        {"id": "reading", "number": reading["number"], "type": "reading_matching", "title": "Чтение",
         "max_points": reading["max_points"], "level": reading["level"], "criteria": T.ITEM_CRITERIA,
         "instruction": T.READING_INSTRUCTION, "options": c["headings"],
         "texts": [{"id": LETTERS[i], "label": LETTERS[i], "text": text, "answer": a}
                   for i, (text, a) in enumerate(c["texts"])]},
        _typed_task("grammar", f["grammar"], "Грамматика", T.GRAMMAR_INSTRUCTION, c["grammar"]),
        _typed_task("vocabulary", f["vocabulary"], "Лексика", T.VOCABULARY_INSTRUCTION, c["vocabulary"]),
    ]
    return {
        "format_version": 2, "procedure": "VPR", "title": c["title"], "subject": c["subject"], "language": lang,
        "grade": 8, "school_id": None, "variant_rule": "code_modulo",
        "variants": [{
            "number": 1, "tasks": tasks, "max_primary": st["max_primary"], "mark_scale": st["mark_scale"],
            "written_section": {
                "title": T.WRITTEN_TITLE,
                "instruction": T.WRITTEN_INSTRUCTION.format(
                    letters=T.LETTERS_HINT.format(letters=c["letters"]) if c.get("letters") else ""),
                **st["written_section"]},
        }],
    }


def main() -> int:
    """``--manifests-only``: rewrite the manifests from the texts and structure.json and
    leave the media as they are (Vorbis encoding is not byte-for-byte repeatable)."""
    manifests_only = "--manifests-only" in sys.argv[1:]
    structure = json.loads(STRUCTURE.read_text("utf-8"))["subjects"]
    if manifests_only:
        for lang, c in T.LANGS.items():
            manifest = manifest_for(lang, c, structure[c["subject"]])
            (OUT / lang / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
        return 0
    STATION_ASSETS.mkdir(parents=True, exist_ok=True)
    speak(SOUND_CHECK_TEXT, "ru", STATION_ASSETS / "sound_check_ru.ogg")
    pictures = {"photo_picnic.png": picnic(), "photo_music.png": music_room(), "photo_winter.png": winter()}
    for lang, c in T.LANGS.items():
        base = OUT / lang
        (base / "media").mkdir(parents=True, exist_ok=True)
        for name, img in pictures.items():
            img.convert("P", palette=Image.Palette.ADAPTIVE, colors=64).save(base / "media" / name, optimize=True)
        seconds = speak_dialogue(c["dialogue"], c["voices"], base / "media" / "listening.ogg")
        print(f"{lang}: listening dialogue {seconds:.1f} s")
        speak(c["rehearsal_text"], c["voices"][0], base / "media" / "listening_rehearsal.ogg")
        manifest = manifest_for(lang, c, structure[c["subject"]])
        (base / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
    for f in sorted(OUT.rglob("*.*")):
        print(f.relative_to(OUT), f.stat().st_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
