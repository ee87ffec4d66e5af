"""Typed errors of the school (paper) side of the node.

Rule: no message, remedy or ``detail`` here may contain a participant's name - errors
are logged with their traceback by ``vpr_common.cli.run_cli``. Messages name rows,
cells and codes only.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpr_common.errors import InputFileError, UsageError, VprError
from vpr_common.text import shown


class SchoolError(VprError):
    """Base of the school-side errors."""

    code = "school"
    message_ru = "Ошибка при работе с данными ВПР школы."


class SchoolDataTooNewError(SchoolError):
    code = "school_data_too_new"
    message_ru = "Файл данных школы создан более новой версией программы."
    remedy_ru = "Обновите программу на этом компьютере до той версии, которой пользовались раньше."


class PassphraseRequiredError(SchoolError):
    code = "passphrase_required"
    message_ru = "Нужна парольная фраза координатора."
    # how scripts pass it (VPR_NODE_PASSPHRASE) is in docs/school.md, not on the main path
    remedy_ru = "Запустите команду в окне командной строки: программа спросит фразу."


class JournalLockedError(PassphraseRequiredError):
    """A form with the «Отметка по журналу» column was asked for without the key that
    decrypts the journal marks (issue 20: they are stored encrypted)."""

    code = "journal_locked"
    message_ru = ("Отметки по журналу хранятся зашифрованными вместе с протоколом: чтобы внести их в форму, нужна "
                  "парольная фраза координатора.")
    remedy_ru = ("В консоли откройте протокол на странице и повторите; в командной строке программа спросит фразу "
                 "сама. Форма без отметок по журналу (столбец останется пустым): параметр --without-journal.")


class WrongPassphraseError(SchoolError):
    code = "wrong_passphrase"
    message_ru = "Неверная парольная фраза координатора."
    remedy_ru = "Проверьте раскладку клавиатуры и Caps Lock и повторите ввод."
    exit_code = 5


class VaultNotInitializedError(SchoolError):
    code = "vault_not_initialized"
    message_ru = "Защищённое хранилище протокола ещё не создано."
    remedy_ru = "Сначала задайте парольную фразу координатора: vpr-node protocol init."


class VaultAlreadyInitializedError(SchoolError):
    code = "vault_exists"
    message_ru = "Парольная фраза координатора уже задана."
    remedy_ru = "Используйте существующую парольную фразу."


class WeakPassphraseError(SchoolError):
    code = "weak_passphrase"
    message_ru = "Парольная фраза слишком короткая: нужно не меньше 10 символов."
    remedy_ru = "Придумайте фразу из нескольких слов и запишите её в надёжном месте."


class VaultCorruptError(SchoolError):
    code = "vault_corrupt"
    message_ru = "Зашифрованные данные протокола повреждены."
    remedy_ru = "Восстановите файл school.sqlite из резервной копии."


class SessionRequiredError(SchoolError):
    code = "coordinator_session_required"
    message_ru = "Эти данные доступны только координатору после ввода парольной фразы."
    remedy_ru = "Откройте сеанс координатора (POST /school/session) и повторите запрос."
    exit_code = 5


class ClassListError(SchoolError):
    code = "class_list"
    message_ru = "Список класса не принят."


class CodesError(SchoolError):
    code = "codes"
    message_ru = "Ошибка при работе с кодами участников."


class SubjectsFileError(SchoolError):
    code = "subjects_file"
    message_ru = "Файл предметов и критериев не принят."


class UnknownSubjectError(SchoolError):
    code = "unknown_subject"

    def __init__(self, subject_id: str) -> None:
        super().__init__(
            f"unknown subject {subject_id!r}",
            message_ru=f"Предмет «{shown(subject_id)}» не найден.",
            remedy_ru="Список предметов: vpr-node subjects list; загрузить: vpr-node subjects load ФАЙЛ.",
        )


class UnknownClassError(SchoolError):
    code = "unknown_class"

    def __init__(self, class_name: str) -> None:
        super().__init__(
            f"unknown class {class_name!r}",
            message_ru=f"Класс «{shown(class_name)}» не найден.",
            remedy_ru="Список классов: vpr-node classes list.",
        )


@dataclass(frozen=True)
class Issue:
    """One problem in an input: where (a cell like ``G9``, a field, a row) and why."""

    where: str
    message_ru: str

    @property
    def text(self) -> str:
        return f"{self.where}: {self.message_ru}" if self.where else self.message_ru


MAX_LISTED_ISSUES = 30


class ResultsValidationError(SchoolError):
    """Results (an xlsx form or an API entry) failed validation; ``issues`` lists all."""

    code = "results_invalid"
    remedy_ru = "Исправьте указанные ячейки и загрузите файл ещё раз."

    def __init__(self, issues: list[Issue], *, remedy_ru: str | None = None) -> None:
        self.issues = list(issues)
        shown = [i.text for i in self.issues[:MAX_LISTED_ISSUES]]
        more = len(self.issues) - len(shown)
        if more > 0:
            shown.append(f"... и ещё ошибок: {more}.")
        message = f"Результаты не приняты, ошибок: {len(self.issues)}.\n" + "\n".join(shown)
        super().__init__(
            f"{len(self.issues)} validation issue(s)",
            message_ru=message,
            remedy_ru=remedy_ru,
        )


class WrongSubjectFormError(SchoolError):
    """A filled form of another subject chosen by mistake: one line that says which."""

    code = "wrong_subject_form"

    def __init__(self, form_title: str, subject, other_id: str | None = None) -> None:
        remedy = (f"Загрузите этот файл по его предмету: vpr-node results import ФАЙЛ --subject {other_id}; "
                  f"для предмета «{subject.title}» выберите его форму." if other_id else
                  f"Выберите файл формы по предмету «{subject.title}».")
        super().__init__(f"form of {form_title!r}, chosen {subject.id}",
                         message_ru=f"Это форма по предмету «{form_title}», а выбран предмет «{subject.title}».",
                         remedy_ru=remedy)


class NothingToExportError(SchoolError):
    code = "nothing_to_export"

    def __init__(self, subject, class_name: str | None = None) -> None:
        where = f" в классе {class_name}" if class_name else ""
        super().__init__("nothing to export", message_ru=f"По предмету «{subject.title}»{where} нет результатов - "
                         "пустую форму не выгружаю.",
                         remedy_ru=f"Бланк для заполнения: vpr-node results template ФАЙЛ --subject {subject.id}.")


class EmptyTemplateError(SchoolError):
    code = "empty_template"
    message_ru = (
        "В файле нет ни одной строки с результатами - похоже, выбран пустой шаблон формы "
        "вместо заполненного."
    )
    remedy_ru = "Откройте заполненный файл формы (с кодами, вариантами и баллами) и загрузите его."


class BackupError(SchoolError):
    code = "backup"
    message_ru = "Ошибка резервной копии."


class RetentionError(SchoolError):
    code = "retention"
    message_ru = "Ошибка срока хранения."


class RoomsError(SchoolError):
    code = "rooms"
    message_ru = "Ошибка в распределении по аудиториям."


class SettingsError(SchoolError):
    code = "school_settings"
    message_ru = "Сведения об ОО не приняты."


class ScheduleError(SchoolError):
    code = "schedule"
    message_ru = "Ошибка в расписании."


class OutsideScheduleError(SchoolError):
    """A date outside the schedule: results before the work (or the reserve) day, a
    reserve day that is not in the schedule or has passed."""

    code = "outside_schedule"
    message_ru = "Дата вне расписания."


class ConfirmationRequiredError(SchoolError):
    """Something is allowed only after the coordinator confirms it (results entered
    before the criteria are published, after the deadline ...). ``warnings`` lists the
    reasons; the CLI repeats the command with ``--confirm``, the web console shows a
    «Подтвердить» button."""

    code = "confirmation_required"
    remedy_ru = "Если всё верно, повторите команду с параметром --confirm."
    exit_code = 3

    def __init__(self, warnings: list[str]) -> None:
        self.warnings = list(warnings)
        super().__init__(f"{len(self.warnings)} warning(s) need confirmation",
                         message_ru="Нужно подтверждение:\n" + "\n".join(f"- {w}" for w in self.warnings))

    @property
    def user_text(self) -> str:
        return f"{self.message_ru}\n{self.remedy_ru}"


class UploadError(SchoolError):
    code = "upload"
    message_ru = "Не удалось отправить форму результатов."
    remedy_ru = (
        "Проверьте подключение к сети и адрес сервиса сбора; при повторной неудаче загрузите "
        "файл вручную по чек-листу (vpr-node upload prepare)."
    )


class UploadNotConfiguredError(SchoolError):
    code = "upload_not_configured"
    message_ru = "Адрес сервиса сбора результатов не настроен."
    remedy_ru = "Задайте его: vpr-node upload config --url АДРЕС --user ЛОГИН."


__all__ = [
    "BackupError",
    "ClassListError",
    "ConfirmationRequiredError",
    "CodesError",
    "EmptyTemplateError",
    "InputFileError",
    "Issue",
    "JournalLockedError",
    "OutsideScheduleError",
    "NothingToExportError",
    "PassphraseRequiredError",
    "ResultsValidationError",
    "RetentionError",
    "RoomsError",
    "ScheduleError",
    "SchoolDataTooNewError",
    "SchoolError",
    "SessionRequiredError",
    "SettingsError",
    "SubjectsFileError",
    "UnknownClassError",
    "UnknownSubjectError",
    "UploadError",
    "UploadNotConfiguredError",
    "UsageError",
    "VaultAlreadyInitializedError",
    "VaultCorruptError",
    "VaultNotInitializedError",
    "WeakPassphraseError",
    "WrongPassphraseError",
    "WrongSubjectFormError",
]
