"""The station's message catalogue: every text a student or technician reads, by key.

One dictionary per language (Russian now); :func:`t` looks a key up and formats it.
Screens and KV files use ``app.t('key')``. Adding a language = adding a dictionary
with the same keys (a test checks that every key used exists)."""

from __future__ import annotations

RU: dict[str, str] = {
    "app.title": "ВПР по иностранному языку",
    "common.continue": "Продолжить",
    "common.yes": "Да",
    "common.no": "Нет",
    "common.seconds_left": "Осталось: {time}",
    "common.keyboard_hint": "Можно пользоваться клавиатурой: Enter - «{action}»",
    "hear.title": "Проверка наушников",
    "hear.body": "Наденьте наушники. Сейчас прозвучит фраза. Вы её слышите?",
    "hear.yes": "Слышу",
    "hear.no": "Не слышу",
    "hear.again": "Послушать ещё раз",
    "speak.title": "Проверка микрофона",
    "speak.body": "Скажите вслух: «Меня хорошо слышно. Я готов к работе». Говорите в обычном темпе.",
    "speak.recording": "Идёт запись",
    "playback.title": "Послушайте себя",
    "playback.body": "Сейчас вы услышите свою запись. Голос слышен хорошо?",
    "playback.yes": "Да, слышно хорошо",
    "playback.no": "Нет, проверить ещё раз",
    "hand.title": "Поднимите руку",
    "hand.body": "К вам подойдёт организатор или технический специалист.",
    "hand.reason": "Для взрослого: {reason}",
    "hand.continue": "Продолжить (для взрослого)",
    "hand.retry": "Повторить проверку (для взрослого)",
    "code.title": "Введите код участника",
    "code.body": "Код - пять цифр с вашей карточки.",
    "code.ok": "Готово",
    "code.erase": "Стереть",
    "confirm.title": "Проверьте код",
    "confirm.body": "Ваш код: {code}\nВариант: {variant}",
    "confirm.yes": "Да, всё верно",
    "confirm.no": "Исправить",
    "instructions.title": "Инструкция",
    "instructions.start": "Я прочитал(а), начать",
    "listen.read": "Прочитайте задание. Аудиозапись начнётся через {time}.",
    "listen.play": "Слушайте. Прослушивание {n} из {total}.",
    "listen.pause": "Сейчас запись прозвучит ещё раз.",
    "listen.answer": "Выберите ответы. Осталось: {time}",
    "photo.title": "Выберите одну фотографию",
    "photo.body": "Нажмите на фотографию (или клавишу 1, 2, 3). Время на подготовку уже идёт: {time}",
    "prepare.title": "Подготовка",
    "prepare.timer": "Подготовка: {time}. Запись начнётся автоматически после сигнала.",
    "answer.title": "Говорите",
    "answer.timer": "Идёт запись ответа. Осталось: {time}",
    "answer.silence": "Мы вас не слышим! Говорите громче или поправьте микрофон.",
    "answer.plan": "План ответа:",
    "progress.task": "Задание {n} из {total}",
    "progress.tasks": "Задания {first}-{last} из {total}",
    "keys.listening": "Клавиатура: ↑ ↓ - вопрос, ← → - вариант, Пробел или Enter - выбрать",
    "keys.photo": "Клавиатура: ← → - фотография, Enter - выбрать (или клавиши 1, 2, 3)",
    "written.intro_timer": "Раздел начнётся через {time}. Можно начать раньше.",
    "written.start": "Начать (Enter)",
    "written.timer": "Осталось: {time}",
    "written.warning": "Внимание: до конца раздела осталось {minutes} мин. Проверьте ответы.",
    "written.warning_1": "Внимание: до конца раздела осталась 1 минута!",
    "written.text": "Текст {label}",
    "written.task_text": "Текст задания",
    "written.word": "Слово: {word}",
    "written.your_answer": "Ваш ответ:",
    "written.back": "Назад",
    "written.next": "Далее",
    "written.finish": "Завершить раздел",
    "written.answered": "Отвечено {done} из {total}",
    "written.keys_choice": "Клавиатура: Tab / Shift+Tab - следующий / предыдущий вопрос, ↑ ↓ - вариант, "
                           "Пробел - отметить, Enter - отметить и дальше, PageDown / PageUp - прокрутить текст",
    "written.keys_typed": "Клавиатура: Tab / Shift+Tab - следующий / предыдущий вопрос, Enter - дальше, "
                          "↓ - особые буквы (← → выбрать, Enter - вставить, ↑ - назад к ответу), "
                          "PageDown / PageUp - прокрутить текст",
    "written.keys_typed_plain": "Клавиатура: Tab / Shift+Tab - следующий / предыдущий вопрос, Enter - дальше, "
                                "PageDown / PageUp - прокрутить текст",
    "written.keys_finish": "Enter или Пробел - завершить раздел; Shift+Tab - вернуться к вопросам",
    "written.letters": "Особые буквы:",
    "written.cyrillic": "Вы печатаете русскими буквами. Переключите раскладку клавиатуры на латиницу "
                        "(обычно Alt+Shift или Win+Пробел).",
    "written.confirm_title": "Завершить раздел?",
    "written.confirm_body": "Вы ответили на {done} из {total} вопросов. После завершения вернуться к заданиям "
                            "4-6 будет нельзя.",
    "written.confirm_missing": "Без ответа: {labels}.",
    "written.confirm_yes": "Да, завершить",
    "written.confirm_no": "Вернуться к заданиям",
    "written.confirm_keys": "← → - выбрать кнопку, Enter - нажать",
    "seal.title": "Сохраняем ответы…",
    "done.title": "Ответы сохранены",
    "done.body": "Спасибо! Работа закончена. Снимите наушники и сидите тихо, пока организатор не разрешит встать.",
    "tech.title": "Меню технического специалиста",
    "tech.pin": "Введите PIN технического специалиста",
    "tech.pin_wrong": "Неверный PIN.",
    "tech.back": "Вернуться к работе",
    "tech.exit": "Закрыть программу",
    "tech.package": "Пакет: {title}",
    "tech.devices": "Микрофон: {input}\nНаушники: {output}",
    "tech.outbox": "Исходящие пакеты: {count}, не подтверждены узлом: {unacked}",
    "tech.station": "Станция: {station}",
    "tech.checks": "Проверить оборудование",
    "tech.checks_running": "Идёт проверка: время, звук, диск, экран, пакет, узел…",
    "tech.checks_busy": "Проверку оборудования можно запускать только между участниками (сейчас идёт работа).",
    "tech.checks_done": "Итог: {overall}. Отчёт сохранён и будет отправлен на узел.",
    "tech.setup": "Настройка станции",
    "tech.setup_devices": "Микрофон и наушники:",
    "tech.setup_package": "Пакет с заданиями (путь к файлу) и пароль к нему:",
    "tech.setup_node": "Подключение к узлу координатора (адрес и код из vpr-node pair-code):",
    "tech.save": "Сохранить",
    "tech.package_path": "путь к файлу пакета, например D:\\vpr\\пакет.zip",
    "tech.package_password": "пароль",
    "tech.check_save": "Проверить и сохранить",
    "tech.pair_code": "код",
    "tech.pair": "Подключить",
    "tech.back_to_menu": "Назад в меню",
    "tech.fetch": "Получить материалы с узла",
    "tech.fetch_running": "Загружаем пакет, пароль и коды с узла…",
    "tech.fetch_done": "Пакет получен. {password} Кодов участников: {codes}. Перезапустите станцию, чтобы работать с новым пакетом.",
    "tech.password_yes": "Пароль получен.",
    "tech.password_no": "Пароль координатор ещё не открыл.",
    "tech.device_default": "по умолчанию",
    "tech.sent": "Отправлено: {percent:.0f} %",
    # hints for the student during the sound check (station/flow/sound_check.py)
    "check.listen_again": "Проверьте, что наушники надеты, и послушайте ещё раз.",
    "check.not_heard": "Мы вас не услышали. Говорите громче, микрофон - у рта. Попробуем ещё раз.",
    "check.too_loud": "Слишком громко: отодвиньте микрофон немного ото рта. Попробуем ещё раз.",
    "check.too_noisy": "Вокруг слишком шумно или микрофон далеко ото рта. Поднесите его ко рту. "
                       "Попробуем ещё раз.",
    # reasons for the adult on the raise-hand screen (station/flow), shown after "hand.reason"
    "fault.check_phrase_playback": "Не удаётся воспроизвести звук: {error}",
    "fault.not_heard": "Ученик не слышит звук в наушниках. Проверьте подключение наушников и громкость.",
    "fault.microphone": "Микрофон не работает: {error}",
    "fault.check_recording": "Сбой записи при проверке микрофона: {error}",
    "fault.digital_zeros": "Микрофон выдаёт полную тишину (цифровые нули). В Windows проверьте «Параметры - "
                           "Конфиденциальность - Микрофон»; проверьте, что микрофон не выключен кнопкой "
                           "на гарнитуре.",
    "fault.voice_quiet": "Голос ученика почти не слышен: микрофон далеко от рта, выключен или неисправен.",
    "fault.adult_may_accept": "{reason} Если в наушниках голос ученика слышен чисто, нажмите «Продолжить».",
    "fault.own_recording_playback": "Не удаётся воспроизвести запись: {error}",
    "fault.interrupted": "Работа этого участника была прервана сбоем. Проверьте гарнитуру и нажмите "
                         "«Продолжить».",
    "fault.recovery_failed": "Не удалось восстановить прерванную запись: {error}",
    "fault.task_playback": "Не удаётся воспроизвести аудиозапись задания: {error}",
    "fault.answer_not_started": "Запись ответа не началась: {error}",
    "fault.answer_recording": "Сбой записи: {error} Записанное сохранено; нажмите «Продолжить», когда "
                              "гарнитура будет исправна.",
    "fault.sealing": "Не удалось упаковать ответы; они сохранены на этом компьютере. Технический специалист "
                     "может упаковать их вручную ({error}).",
    "fault.answers_not_saved": "Ответы письменной части не удаётся записать на диск ({error}). Они сохранены "
                               "в памяти программы. Освободите место на диске или проверьте его и нажмите "
                               "«Продолжить».",
    "fault.internal": "Внутренняя ошибка программы станции; подробности в журнале. Ответы сохранены.",
    # typed errors of the flow (station/flow/errors.py) and the code check
    "error.station": "Ошибка станции.",
    "error.station_remedy": "Поднимите руку: к вам подойдёт организатор.",
    "error.invalid_code": "Код участника введён неверно.",
    "error.invalid_code_remedy": "Код - пять цифр с вашей карточки. Проверьте и введите ещё раз.",
    "code.bad_format": "Код участника - это ровно пять цифр.",
    "code.not_listed": "Кода {code} нет в списке участников.",
}

_CATALOGUES = {"ru": RU}
_language = "ru"


def set_language(language: str) -> None:
    """Raises ``KeyError`` for a language without a catalogue."""
    global _language
    _CATALOGUES[language]  # noqa: B018 - validate
    _language = language


def t(key: str, **kwargs: object) -> str:
    """The text for ``key`` in the current language; ``KeyError`` for an unknown key."""
    text = _CATALOGUES[_language][key]
    return text.format(**kwargs) if kwargs else text


def format_time(seconds: float | None) -> str:
    """``1:05`` style countdown text."""
    if seconds is None:
        return ""
    s = max(0, int(seconds + 0.999))
    return f"{s // 60}:{s % 60:02d}"
