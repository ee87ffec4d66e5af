"""``vpr-node demo ПАПКА``: a complete node data folder of an invented school on the day
of the English test, so the console shows a real day at once.

What it makes: the school (name, code, municipality, time zone); three 8th-grade
classes with invented names (the protocol, encrypted with a passphrase); codes; the
demo subjects with today's English test and yesterday's Russian; the English exam
package on the node with its password released and loaded for scoring with its answer
key; three paired simulated stations and a response package from each present student
(the spoken answers are speech cut from the demo's listening recording, a few are
silent; the listening and written answers right with a probability that differs
from student to student, the typed ones sometimes misspelt), imported and verified the same way as a USB import;
a few absentees; the Russian results; demo accounts (coordinator, technician, two
experts, a lead expert) with ``ПАПКА/demo-logins.txt`` (``role<TAB>login<TAB>password``)
and the protocol passphrase in ``ПАПКА/demo-readme.txt``; a qualification set chosen by
the lead expert. Nothing here is used by a real school's data.
"""

from __future__ import annotations

import io
import json
import random
import secrets
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import soundfile as sf

from audio.finalize import seal_flac
from audio.resample import Resampler
from coordinator.node import content as node_content
from coordinator.node import recording_key
from coordinator.node.storage import NodeStore
from coordinator.node.usb_import import import_file
from coordinator.school import codes as school_codes
from coordinator.school import results, roster, settings, subjects, vault
from coordinator.school import schedule as school_schedule
from coordinator.school.store import SchoolStore
from coordinator.scoring import content as scoring_content
from coordinator.scoring import responses as scoring_responses
from coordinator.scoring import settings as scoring_settings
from coordinator.scoring import work as scoring_work
from coordinator.scoring.store import ScoringStore
from coordinator.web import accounts
from coordinator.web.store import ConsoleStore
from exam_content.archive import open_package
from exam_content.demo import demo_source_dir, write_demo_packages
from exam_content.answer_key import read_answer_key
from exam_content.model import (WRITTEN_TYPES, ListeningTask, PhotoDescriptionTask, ReadAloudTask,
                                 ReadingMatchingTask, ShortAnswerTask)
from exam_content.model import item_ids
from exam_content.scoring import TypedRule, variant_key
from sync.package import seal_package
from sync.signing import StationKey, generate_private_key, public_key_b64
from vpr_common.atomic import atomic_write_text
from vpr_common.errors import UsageError

RATE = 16000
CLASSES = ("8А", "8Б", "8В")
PASSPHRASE = "демо-протокол-школы-2026"
ROLES = (("coordinator", "coordinator"), ("technician", "technician"), ("expert", "expert1"),
         ("expert", "expert2"), ("lead_expert", "lead"))
_SURNAMES = [("Иванов", "Иванова"), ("Смирнов", "Смирнова"), ("Кузнецов", "Кузнецова"), ("Попов", "Попова"),
             ("Соколов", "Соколова"), ("Лебедев", "Лебедева"), ("Козлов", "Козлова"), ("Новиков", "Новикова"),
             ("Морозов", "Морозова"), ("Петров", "Петрова"), ("Волков", "Волкова"), ("Соловьёв", "Соловьёва"),
             ("Васильев", "Васильева"), ("Зайцев", "Зайцева"), ("Павлов", "Павлова"), ("Семёнов", "Семёнова"),
             ("Голубев", "Голубева"), ("Виноградов", "Виноградова"), ("Богданов", "Богданова"),
             ("Воробьёв", "Воробьёва"), ("Фёдоров", "Фёдорова"), ("Михайлов", "Михайлова"), ("Беляев", "Беляева"),
             ("Тарасов", "Тарасова"), ("Белов", "Белова"), ("Комаров", "Комарова"), ("Орлов", "Орлова"),
             ("Киселёв", "Киселёва"), ("Макаров", "Макарова"), ("Андреев", "Андреева")]
_MALE = ["Александр", "Максим", "Артём", "Михаил", "Даниил", "Иван", "Дмитрий", "Кирилл", "Андрей", "Егор",
         "Никита", "Илья", "Алексей", "Матвей", "Тимофей", "Роман", "Фёдор", "Семён", "Лев", "Глеб"]
_FEMALE = ["Анастасия", "Мария", "Анна", "Виктория", "Екатерина", "Софья", "Алёна", "Дарья", "Полина", "Алиса",
           "Ксения", "Варвара", "Елизавета", "Арина", "Вероника", "Ульяна", "Василиса", "Милана", "Ева", "Таисия"]
_PATRONYMIC = [("Александрович", "Александровна"), ("Сергеевич", "Сергеевна"), ("Дмитриевич", "Дмитриевна"),
               ("Андреевич", "Андреевна"), ("Алексеевич", "Алексеевна"), ("Игоревич", "Игоревна"),
               ("Владимирович", "Владимировна"), ("Олегович", "Олеговна"), ("Артёмович", "Артёмовна")]


@dataclass(frozen=True)
class DemoReport:
    folder: Path
    participants: int
    absent: int
    packages: int
    responses: int
    logins_file: Path


def invented_name(rng: random.Random) -> str:
    female = rng.random() < 0.5
    surname = rng.choice(_SURNAMES)[1 if female else 0]
    first = rng.choice(_FEMALE if female else _MALE)
    patronymic = rng.choice(_PATRONYMIC)[1 if female else 0]
    return f"{surname} {first} {patronymic}"


def options_of(task, item_id: str) -> int:
    """How many options item ``item_id`` of an objective task offers (0: typed)."""
    if isinstance(task, ShortAnswerTask):
        return 0
    if isinstance(task, ReadingMatchingTask):
        return len(task.options)
    return len(next(q for q in task.questions if q.id == item_id).options)


def demo_answer(rng: random.Random, ability: float, right, n_options: int):
    """A demo student's answer to one item: right with probability ``ability``; else
    another option, or for a typed item a misspelling of the accepted answer."""
    if isinstance(right, TypedRule):
        word = right.accept[0]
        if rng.random() < ability:
            return word if rng.random() > 0.2 else f" {word.capitalize()} "  # case and spaces do not matter
        return word[:-1] if len(word) > 2 and rng.random() < 0.6 else word + "s"
    if rng.random() < ability or n_options < 2:
        return int(right)
    return rng.choice([i for i in range(n_options) if i != int(right)])


def speech_source() -> tuple[np.ndarray, int]:
    """The demo's English listening recording (speech), mono int16 at 16 kHz."""
    data, rate = sf.read(str(demo_source_dir("en") / "media" / "listening.ogg"), dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    resampler = Resampler(rate, RATE)
    out = np.concatenate([resampler.feed(mono.astype(np.float64)), resampler.flush()])
    return (np.clip(out, -1, 1) * 32767).astype(np.int16), RATE


def answer_audio(speech: np.ndarray, rng: random.Random, seconds: float, kind: str) -> bytes:
    """A spoken answer: speech cut from ``speech`` (kind "speech"), with a long pause
    ("pauses"), or a silent microphone ("silent"); FLAC bytes."""
    n = int(seconds * RATE)
    if kind == "silent":
        samples = np.zeros(n, dtype=np.int16)
    else:
        start = rng.randrange(0, max(1, len(speech) - n))
        samples = speech[start:start + n].copy()
        if kind == "pauses":
            samples[len(samples) // 3: 2 * len(samples) // 3] = 0
        noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 30, len(samples))
        samples = np.clip(samples.astype(np.float64) + noise, -32768, 32767).astype(np.int16)
    buf = io.BytesIO()
    sf.write(buf, samples, RATE, format="FLAC", subtype="PCM_16")
    return buf.getvalue()


def make_demo(folder: Path, participants: int = 75, seed: int = 2026) -> DemoReport:
    """Build the demo school in ``folder`` (which must be empty or not exist). Raises
    :class:`UsageError` for a non-empty folder or a bad number of participants."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise UsageError(f"{folder} not empty", message_ru=f"Папка {folder} не пуста.",
                         remedy_ru="Укажите новую (пустую) папку для демонстрационной школы.")
    if not 6 <= participants <= 5000:
        raise UsageError(f"participants {participants}", message_ru="Участников должно быть от 6 до 5000.")
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    today = date.today()
    absent: set[str] = set()
    with SchoolStore(folder) as school:
        settings.set_info(school, name="МАОУ «Средняя общеобразовательная школа № 1» (демо)", code="390000",
                          municipality="Демо-городской округ", tz="Asia/Yekaterinburg")
        key = vault.init_vault(school, PASSPHRASE)
        per_class = [participants // 3 + (1 if i < participants % 3 else 0) for i in range(3)]
        with tempfile.TemporaryDirectory() as tmp:
            lst = Path(tmp) / "классы.csv"
            lines = ["Класс;ФИО;Английский язык;Русский язык"]
            seen: set[str] = set()
            for cls, n in zip(CLASSES, per_class):
                for _ in range(n):
                    name = invented_name(rng)
                    while name in seen:  # two pupils of one name would be flagged as a possible duplicate
                        name = invented_name(rng)
                    seen.add(name)
                    lines.append(f"{cls};{name};{rng.choice([3, 4, 4, 5, 5])};{rng.choice([3, 4, 5])}")
            lst.write_text("\n".join(lines) + "\n", encoding="utf-8")
            roster.import_class_list(school, lst, key)
        school_codes.generate(school)
        subjects.save_subjects(school, subjects.read_subjects_file(subjects.demo_subjects_path()))
        school_schedule.set_item(school, "eng8", today.isoformat())
        school_schedule.set_item(school, "rus8", (today - timedelta(days=1)).isoformat())
        codes = [c.code for c in school_codes.active_codes(school)]
        eng = subjects.get_subject(school, "eng8")
        absent = set(rng.sample(codes, max(2, participants // 25)))
        for code in sorted(absent):
            results.mark_absent(school, eng, code, "болезнь", None)
        rus = subjects.get_subject(school, "rus8")
        results.save_entries(school, rus, [
            results.Entry(c, rng.choice(rus.variants), tuple(rng.randint(0, t.max_points) for t in rus.tasks))
            for c in codes if rng.random() > 0.04], results.Source.CLI)

    node = NodeStore(folder)
    materials = folder / "materials"
    [pkg] = write_demo_packages(materials, languages=("en",))
    exam_path = pkg.build.package_path
    node_content.set_exam_package(node, exam_path)
    password = pkg.password.decode("ascii")
    node_content.release_password(node, password)
    scoring = ScoringStore(folder)
    info = scoring_content.load(scoring, exam_path, password, pkg.build.answers_path)
    scoring_content.link(scoring, "eng8", "english")
    scoring_settings.update(scoring, "eng8", double_share=0.2)

    exam = open_package(exam_path, password.encode("ascii"))
    answer_key = read_answer_key(pkg.build.answers_path, pkg.password)
    stations = []
    for i in range(3):
        private = generate_private_key()
        code, _ = node.create_pair_code(600)
        station_id = node.register_station(code, f"Кабинет 21, ПК {i + 1}", public_key_b64(private.public_key()))
        node.touch_station(station_id, {"status": "pass", "summary": "готова", "checks": []}, {"activity": "ready"})
        stations.append(StationKey(station_id, private))
    speech, _ = speech_source()
    node_key = recording_key.load_or_create(folder).public_key()
    packages = 0
    with tempfile.TemporaryDirectory() as tmp:
        work_dir = Path(tmp)
        for n, code in enumerate(c for c in codes if c not in absent):
            variant = exam.manifest.variants[int(code) % len(exam.manifest.variants)]
            src = work_dir / code
            (src / "answers").mkdir(parents=True)
            files, pieces, listening, photo, written = {}, {}, {}, {}, {}
            kind = "silent" if n % 29 == 7 else "pauses" if n % 11 == 3 else "speech"
            key = variant_key(answer_key, variant.number)
            ability = rng.betavariate(4, 2)  # the share of right answers differs from student to student
            for task in variant.tasks:
                if isinstance(task, ListeningTask):
                    listening[task.id] = {i: demo_answer(rng, ability, key[task.id][i], options_of(task, i))
                                          for i in item_ids(task)}
                if isinstance(task, WRITTEN_TYPES):
                    written[task.id] = {i: demo_answer(rng, ability, key[task.id][i], options_of(task, i))
                                        for i in item_ids(task) if rng.random() > 0.03}  # a few left empty
                if isinstance(task, (ReadAloudTask, PhotoDescriptionTask)):
                    name = f"{task.id}_1.vprenc"  # sealed for the node, as a station seals it
                    seal_flac(answer_audio(speech, rng, rng.uniform(12, 28), kind), src / "answers" / name,
                              node_key)
                    files[f"answers/{name}"] = src / "answers" / name
                    pieces[task.id] = [{"file": name}]
                    if isinstance(task, PhotoDescriptionTask):
                        photo[task.id] = rng.randrange(3)
            (src / "responses.json").write_text(json.dumps({"listening_answers": listening, "photo_choice": photo,
                                                            "written_answers": written, "pieces": pieces}), encoding="utf-8")
            files["responses.json"] = src / "responses.json"
            sealed = seal_package(files, {"participant_code": code, "variant": str(variant.number),
                                          "subject": "english", "extra": {"exam_package_id": info.package_id,
                                                                          "session_id": secrets.token_hex(8)}},
                                  stations[n % len(stations)], work_dir / "sealed")
            if import_file(node, sealed.path).outcome.value == "new":
                packages += 1
    prep = scoring_responses.prepare(scoring, node, "eng8")

    logins = []
    store = ConsoleStore(folder)
    for role, login in ROLES:
        _, password_ = accounts.add_user(store, login, accounts.Role(role))
        logins.append(f"{role}\t{login}\t{password_}")
    logins_file = folder / "demo-logins.txt"
    atomic_write_text(logins_file, "\n".join(logins) + "\n", mode=0o600)
    for task in ("2", "3"):  # the lead expert's qualification set: one response per spoken task
        a = scoring_work.next_response(scoring, "eng8", "lead", task, lead=True)
        rubric = scoring_work.rubric_for(scoring, a.response_id)
        scoring_work.set_definitive(scoring, "eng8", "lead", a.response_id,
                                    {c.id: max(0, c.max_points - 1) for c in rubric.criteria},
                                    scoring_work.Set.QUALIFICATION)
    atomic_write_text(folder / "demo-readme.txt", (
        "Демонстрационная школа (вымышленные ученики).\n"
        f"Парольная фраза протокола «код - ФИО»: {PASSPHRASE}\n"
        "Учётные записи консоли - в demo-logins.txt (роль, логин, пароль).\n"
        f"Запуск узла: vpr-node serve --data {folder}\n"), mode=0o600)
    return DemoReport(folder, len(codes), len(absent), packages, prep.responses, logins_file)
