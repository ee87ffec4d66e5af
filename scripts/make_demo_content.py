#!/usr/bin/env python3
"""Regenerates the committed demo content in ``exam_content/demo_src/`` (and the
station's sound-check phrase ``station/assets/sound_check_ru.ogg``): the three
source manifests (English, German, French), the pictures (drawn with Pillow) and the
spoken prompts (espeak-ng from Debian, encoded to Ogg Vorbis with soundfile).

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

OUT = Path(__file__).resolve().parent.parent / "exam_content" / "demo_src"

READ_CRITERIA = (
    "2 балла: текст прочитан полностью, в темпе естественной речи; допущено не более 4 "
    "фонетических ошибок, не искажающих смысл. 1 балл: допущено 5-7 фонетических ошибок или "
    "до 3 ошибок, искажающих смысл. 0 баллов: больше ошибок, или прочитано меньше половины текста."
)
PHOTO_CRITERIA = (
    "Решение коммуникативной задачи (0-3): раскрыты все пункты плана, 7-8 фраз. "
    "Организация высказывания (0-2): вступление, заключение, логичность, средства связи. "
    "Языковое оформление (0-2): лексика и грамматика соответствуют задаче, ошибки не мешают пониманию. "
    "Итого не более 7 баллов."
)
LISTEN_CRITERIA = "По 1 баллу за каждый верный ответ."


def instructions(subject_ru: str) -> dict:
    return {
        "id": "intro", "number": "0", "type": "instructions", "title": "Инструкция",
        "max_points": 0, "criteria": "",
        "text": (
            f"Вы выполняете устную часть проверочной работы по иностранному языку ({subject_ru}). "
            "Работа состоит из трёх заданий: аудирование, чтение текста вслух и описание фотографии. "
            "Время на каждое задание показано на экране; переход к следующему заданию происходит "
            "автоматически, вернуться к предыдущему нельзя. Ваши ответы записываются. "
            "Говорите чётко, в обычном темпе, не снимайте гарнитуру до конца работы."
        ),
        "audio": None,
        "read_seconds": 30,
    }


LANGS = {
    "en": {
        "subject": "english", "subject_ru": "английский язык", "voice": "en-gb",
        "title": "ВПР. Английский язык. 8 класс. Устная часть. Демонстрационный вариант",
        "listen_instruction": "You will hear a school announcement twice. Read the questions first. Then listen and choose the correct answer to each question.",
        "listen_text": (
            "Good morning, everyone. This is an announcement for the students of the eighth grade. "
            "Next Friday our school is going on a trip to the Museum of Science. "
            "The bus leaves at half past eight from the main entrance, so please do not be late. "
            "The trip costs three hundred roubles, and this includes the ticket and lunch in the museum cafe. "
            "Please bring a notebook and a pen, because you will answer questions about the exhibition. "
            "We will come back to school at about four o'clock. "
            "If you want to go, give your name to Ms Harris in room twelve before Wednesday. Thank you."
        ),
        "rehearsal_text": "This is a short rehearsal recording. Listen and choose the answers.",
        "questions": [
            ("Where are the students going?", ["to a science museum", "to a theatre", "to a football match"], 0),
            ("When does the bus leave?", ["at eight o'clock", "at half past eight", "at half past nine"], 1),
            ("What is included in the price?", ["only the ticket", "the ticket and lunch", "lunch and a souvenir"], 1),
            ("Who should students give their names to?", ["the head teacher", "the bus driver", "Ms Harris"], 2),
        ],
        "read_instruction": "You are going to read the text aloud. You have 1.5 minutes to read it silently and get ready. Then read it aloud. You will have no more than 1.5 minutes.",
        "read_text": (
            "Honey bees are small insects, but they do a very big job. When a bee flies from flower to flower "
            "to collect nectar, it carries pollen with it. This helps plants to grow fruit and seeds. "
            "Scientists say that about one third of the food we eat depends on bees and other pollinators. "
            "Apples, cherries, cucumbers and even chocolate would be difficult to grow without them. "
            "Unfortunately, the number of bees is getting smaller in many countries. People can help them in "
            "simple ways: they can plant flowers on their balconies, stop using dangerous chemicals in their "
            "gardens and buy honey from local farmers."
        ),
        "photo_instruction": "Choose one of the three photos and describe it. You will have 1.5 minutes to get ready and then no more than 2 minutes to speak (7-8 sentences). In your talk, mention:",
        "plan": ["the place", "the action", "the appearance of the person (people)", "whether you like the picture or not", "why"],
    },
    "de": {
        "subject": "german", "subject_ru": "немецкий язык", "voice": "de",
        "title": "ВПР. Немецкий язык. 8 класс. Устная часть. Демонстрационный вариант",
        "listen_instruction": "Du hörst eine Durchsage in der Schule zweimal. Lies zuerst die Fragen. Hör dann zu und wähle die richtige Antwort.",
        "listen_text": (
            "Guten Morgen! Hier ist eine Durchsage für die Schülerinnen und Schüler der achten Klassen. "
            "Am nächsten Freitag fahren wir ins Naturkundemuseum. "
            "Der Bus fährt um halb neun vor dem Haupteingang ab. Bitte seid pünktlich. "
            "Die Fahrt kostet dreihundert Rubel, das Mittagessen im Museumscafé ist inklusive. "
            "Nehmt bitte ein Heft und einen Kugelschreiber mit. Wir kommen gegen sechzehn Uhr zurück. "
            "Wer mitfahren möchte, meldet sich bis Mittwoch bei Frau Schmidt im Raum zwölf. Danke!"
        ),
        "rehearsal_text": "Das ist eine kurze Probeaufnahme. Hör zu und wähle die Antworten.",
        "questions": [
            ("Wohin fahren die Schüler?", ["ins Naturkundemuseum", "ins Theater", "zu einem Fußballspiel"], 0),
            ("Wann fährt der Bus ab?", ["um acht Uhr", "um halb neun", "um halb zehn"], 1),
            ("Was ist im Preis inklusive?", ["nur die Eintrittskarte", "das Mittagessen", "ein Souvenir"], 1),
            ("Bei wem soll man sich melden?", ["beim Direktor", "beim Busfahrer", "bei Frau Schmidt"], 2),
        ],
        "read_instruction": "Lies den Text zuerst still. Du hast dafür 1,5 Minuten Zeit. Lies ihn dann laut vor. Du hast dafür nicht mehr als 1,5 Minuten.",
        "read_text": (
            "Bienen sind kleine Insekten, aber sie leisten eine sehr große Arbeit. Wenn eine Biene von Blume zu "
            "Blume fliegt, trägt sie Blütenstaub mit sich. So können Pflanzen Früchte und Samen bilden. "
            "Wissenschaftler sagen, dass etwa ein Drittel unserer Nahrung von Bienen und anderen Bestäubern "
            "abhängt. Äpfel, Kirschen und Gurken wären ohne sie schwer zu ernten. Leider gibt es in vielen "
            "Ländern immer weniger Bienen. Jeder kann ihnen helfen: Man kann Blumen auf dem Balkon pflanzen, "
            "im Garten auf gefährliche Chemikalien verzichten und Honig bei Imkern aus der Region kaufen."
        ),
        "photo_instruction": "Wähle ein Foto und beschreibe es. Du hast 1,5 Minuten zur Vorbereitung und nicht mehr als 2 Minuten für die Antwort (7-8 Sätze). Erzähle:",
        "plan": ["wo das ist", "was die Person / die Personen machen", "wie die Person / die Personen aussehen", "ob dir das Foto gefällt", "warum"],
    },
    "fr": {
        "subject": "french", "subject_ru": "французский язык", "voice": "fr-fr",
        "title": "ВПР. Французский язык. 8 класс. Устная часть. Демонстрационный вариант",
        "listen_instruction": "Tu vas entendre deux fois une annonce à l'école. Lis d'abord les questions. Écoute ensuite et choisis la bonne réponse.",
        "listen_text": (
            "Bonjour à tous ! Voici une annonce pour les élèves de huitième. "
            "Vendredi prochain, nous allons visiter le musée des sciences. "
            "Le bus part à huit heures et demie devant l'entrée principale. Soyez à l'heure, s'il vous plaît. "
            "Le voyage coûte trois cents roubles, le déjeuner au café du musée est compris. "
            "Apportez un cahier et un stylo. Nous rentrerons vers seize heures. "
            "Si vous voulez participer, donnez votre nom à madame Dubois, salle douze, avant mercredi. Merci !"
        ),
        "rehearsal_text": "Voici un court enregistrement d'essai. Écoute et choisis les réponses.",
        "questions": [
            ("Où vont les élèves ?", ["au musée des sciences", "au théâtre", "à un match de football"], 0),
            ("À quelle heure part le bus ?", ["à huit heures", "à huit heures et demie", "à neuf heures et demie"], 1),
            ("Qu'est-ce qui est compris dans le prix ?", ["seulement le billet", "le déjeuner", "un souvenir"], 1),
            ("À qui faut-il donner son nom ?", ["au directeur", "au chauffeur du bus", "à madame Dubois"], 2),
        ],
        "read_instruction": "Lis d'abord le texte en silence. Tu as 1 minute 30 pour te préparer. Ensuite, lis-le à haute voix. Tu as au maximum 1 minute 30.",
        "read_text": (
            "Les abeilles sont de petits insectes, mais elles font un travail immense. Quand une abeille vole de "
            "fleur en fleur, elle transporte du pollen. Cela permet aux plantes de donner des fruits et des graines. "
            "Selon les scientifiques, environ un tiers de notre nourriture dépend des abeilles et des autres "
            "pollinisateurs. Sans elles, il serait difficile de cultiver des pommes, des cerises ou des concombres. "
            "Malheureusement, les abeilles sont de moins en moins nombreuses dans beaucoup de pays. Chacun peut "
            "les aider : on peut planter des fleurs sur son balcon, ne pas utiliser de produits chimiques dangereux "
            "dans le jardin et acheter du miel aux apiculteurs de sa région."
        ),
        "photo_instruction": "Choisis une photo et décris-la. Tu as 1 minute 30 pour te préparer et au maximum 2 minutes pour parler (7-8 phrases). Parle :",
        "plan": ["du lieu", "de l'action", "de l'apparence de la personne / des personnes", "dis si la photo te plaît ou non", "explique pourquoi"],
    },
}


def speak(text: str, voice: str, path: Path) -> None:
    """espeak-ng -> WAV (stdout) -> mono Ogg Vorbis at the same rate."""
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", "135", "--stdout", text],
                         check=True, capture_output=True).stdout
    data, rate = sf.read(io.BytesIO(wav), dtype="float32")
    data = 0.7 * data / max(float(np.max(np.abs(data))), 1e-6)
    sf.write(path, data, rate, format="OGG", subtype="VORBIS", compression_level=0.7)


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


def main() -> int:
    STATION_ASSETS.mkdir(parents=True, exist_ok=True)
    speak(SOUND_CHECK_TEXT, "ru", STATION_ASSETS / "sound_check_ru.ogg")
    OUT.mkdir(parents=True, exist_ok=True)
    shared_media = OUT / "shared"
    shared_media.mkdir(exist_ok=True)
    pictures = {"photo_picnic.png": picnic(), "photo_music.png": music_room(), "photo_winter.png": winter()}
    for lang, c in LANGS.items():
        base = OUT / lang
        (base / "media").mkdir(parents=True, exist_ok=True)
        for name, img in pictures.items():
            img.convert("P", palette=Image.Palette.ADAPTIVE, colors=64).save(base / "media" / name, optimize=True)
        speak(c["listen_text"], c["voice"], base / "media" / "listening.ogg")
        speak(c["rehearsal_text"], c["voice"], base / "media" / "listening_rehearsal.ogg")
        manifest = {
            "format_version": 1,
            "procedure": "VPR",
            "title": c["title"],
            "subject": c["subject"],
            "language": lang,
            "grade": 8,
            "school_id": None,
            "variant_rule": "code_modulo",
            "variants": [{
                "number": 1,
                "tasks": [
                    instructions(c["subject_ru"]),
                    {"id": "listening", "number": "1", "type": "listening", "title": "Аудирование",
                     "max_points": len(c["questions"]), "criteria": LISTEN_CRITERIA,
                     "instruction": c["listen_instruction"], "audio": "media/listening.ogg",
                     "audio_rehearsal": "media/listening_rehearsal.ogg", "plays": 2,
                     "read_seconds": 45, "answer_seconds": 30,
                     "questions": [{"id": f"q{i + 1}", "text": q, "options": o, "answer": a}
                                   for i, (q, o, a) in enumerate(c["questions"])]},
                    {"id": "read_aloud", "number": "2", "type": "read_aloud", "title": "Чтение текста вслух",
                     "max_points": 2, "criteria": READ_CRITERIA, "instruction": c["read_instruction"],
                     "text": c["read_text"], "prep_seconds": 90, "answer_seconds": 90},
                    {"id": "photo", "number": "3", "type": "photo_description", "title": "Описание фотографии",
                     "max_points": 7, "criteria": PHOTO_CRITERIA, "instruction": c["photo_instruction"],
                     "photos": ["media/photo_picnic.png", "media/photo_music.png", "media/photo_winter.png"],
                     "plan": c["plan"], "prep_seconds": 90, "answer_seconds": 120},
                ],
            }],
        }
        (base / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
    shared_media.rmdir()
    for f in sorted(OUT.rglob("*.*")):
        print(f.relative_to(OUT), f.stat().st_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
