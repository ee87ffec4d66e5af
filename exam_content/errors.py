"""Typed failures of exam content packages, each with a plain Russian message and a
remedy. ``code`` values are stable and appear in ``--json`` output."""

from __future__ import annotations

from vpr_common.errors import VprError


class ContentError(VprError):
    """Base of every exam-package failure."""

    code = "content_error"
    message_ru = "Пакет экзаменационных материалов не принят."
    remedy_ru = "Обратитесь к школьному координатору за исправным пакетом."


class PackageNotFoundError(ContentError):
    code = "package_not_found"
    message_ru = "Файл пакета не найден или не читается."
    remedy_ru = "Проверьте путь к файлу пакета и права доступа к нему."


class PasswordFileError(ContentError):
    code = "password_file"
    message_ru = "Не удалось прочитать пароль из файла."
    remedy_ru = "Проверьте путь к файлу с паролем; пароль должен быть в первой строке."


class NotAnArchiveError(ContentError):
    code = "not_an_archive"
    message_ru = "Файл пакета повреждён или скачан не полностью (это не целый zip-архив)."
    remedy_ru = "Скачайте пакет заново и сверьте его размер и контрольную сумму."


class WrongPasswordError(ContentError):
    code = "wrong_password"
    message_ru = "Неверный пароль к пакету."
    remedy_ru = (
        "Проверьте пароль: раскладку клавиатуры, Caps Lock, похожие символы (0 и O, l и 1). "
        "Пароль публикуется в день проведения в 07:30 по местному времени."
    )


class PasswordOrDamageError(ContentError):
    """The password passed the archive's quick 2-byte check but the content does not
    authenticate anywhere: a wrong password is far more likely than damage."""

    code = "wrong_password_or_damaged"
    message_ru = "Пароль, по всей видимости, неверный (реже: файл пакета повреждён)."
    remedy_ru = (
        "Введите пароль ещё раз, внимательно. Если пароль точно верный, скачайте пакет заново."
    )


class TamperedArchiveError(ContentError):
    code = "tampered"
    message_ru = "Пакет повреждён или изменён: содержимое не прошло проверку подлинности."
    remedy_ru = "Не используйте этот файл. Скачайте пакет заново из личного кабинета или получите его у координатора."


class UnsafeEntryError(ContentError):
    code = "unsafe_entry"
    message_ru = "Пакет содержит недопустимый файл (абсолютный путь, «..», ссылку или повтор имени)."
    remedy_ru = "Такой пакет нельзя открывать. Получите исправный пакет у координатора."


class ArchiveTooLargeError(ContentError):
    code = "too_large"
    message_ru = "Пакет подозрительно велик после распаковки или содержит слишком много файлов."
    remedy_ru = "Такой пакет нельзя открывать. Получите исправный пакет у координатора."


class MissingFileError(ContentError):
    code = "missing_file"
    message_ru = "В пакете не хватает файлов."
    remedy_ru = "Скачайте пакет заново; если ошибка повторится, сообщите координатору."


class ExtraFileError(ContentError):
    code = "extra_file"
    message_ru = "В пакете есть файлы, которых нет в его описании."
    remedy_ru = "Пакет изменён после выпуска. Получите исправный пакет у координатора."


class MediaMismatchError(ContentError):
    code = "media_mismatch"
    message_ru = "Файл в пакете не совпадает с описанием (размер или контрольная сумма)."
    remedy_ru = "Пакет повреждён или изменён. Скачайте его заново."


class UnsupportedFormatError(ContentError):
    code = "unsupported_format_version"
    message_ru = "Версия формата пакета не поддерживается этой программой."
    remedy_ru = "Обновите программу станции или получите пакет нужной версии."


class ManifestInvalidError(ContentError):
    code = "manifest_invalid"
    message_ru = "Описание пакета (manifest.json) составлено с ошибкой."
    remedy_ru = "Исправьте описание пакета и соберите пакет заново."


class SourceInvalidError(ContentError):
    """The source folder given to ``vpr-content build`` is not usable."""

    code = "source_invalid"
    message_ru = "Папка с исходными материалами составлена с ошибкой."
    remedy_ru = "Исправьте указанную ошибку и запустите сборку снова."


class ScoringError(ContentError):
    """Points that cannot be computed: an answer key that does not fit the variant,
    criteria points out of range, a task not yet scored, a variant without a scale."""

    code = "scoring_error"
    message_ru = "Баллы не удалось подсчитать."
    remedy_ru = "Проверьте, что ключ ответов относится к этому пакету и что все задания оценены."
