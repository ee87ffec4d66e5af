"""Typed errors of the audio layer.

Each carries a plain Russian message and remedy (shown by the station and the CLI) and
an English ``detail`` for the log. Recording faults may carry ``result``: the
:class:`~audio.results.RecordingResult` finalized from everything that reached the disk
before the fault (``None`` when finalizing itself was impossible, e.g. a full disk; the
journal then stays on disk for :func:`audio.recovery.recover`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpr_common.errors import VprError

if TYPE_CHECKING:  # pragma: no cover
    from audio.results import RecordingResult


class AudioError(VprError):
    """Base of every audio failure."""

    code = "audio"
    message_ru = "Ошибка звуковой подсистемы."
    remedy_ru = "Проверьте гарнитуру и обратитесь к техническому специалисту."
    exit_code = 4


class AudioBackendError(AudioError):
    """The PortAudio library is missing or cannot be loaded."""

    code = "audio_backend"
    message_ru = "Звуковая подсистема не установлена (нет библиотеки PortAudio)."
    remedy_ru = ("Переустановите программу станции или установите пакет libportaudio2 "
                 "(Linux); обратитесь к техническому специалисту.")


class DeviceNotFoundError(AudioError):
    """The named (or default) device does not exist now."""

    code = "audio_device_not_found"
    message_ru = "Звуковое устройство не найдено."
    remedy_ru = "Проверьте, что гарнитура подключена, и нажмите «Повторить»."


class DeviceSettingsError(AudioError):
    """The device refuses every format we can record or play with."""

    code = "audio_device_settings"
    message_ru = "Звуковое устройство не поддерживает нужный режим записи или воспроизведения."
    remedy_ru = "Выберите другое устройство или подключите другую гарнитуру."


class StreamStartError(AudioError):
    """PortAudio refused to open or start the stream (device busy, vanished, ...)."""

    code = "audio_stream_start"
    message_ru = "Не удалось начать запись с микрофона."
    remedy_ru = ("Проверьте, что гарнитура подключена и не занята другой программой, "
                 "и нажмите «Повторить».")


class DeviceBusyError(AudioError):
    """Re-enumeration was asked for while a stream is open."""

    code = "audio_device_busy"
    message_ru = "Нельзя обновить список устройств во время записи или воспроизведения."
    remedy_ru = "Дождитесь окончания записи и повторите."


class RecordingFault(AudioError):
    """A fault that ended a recording. ``result`` holds what was saved (may be None)."""

    code = "audio_recording_fault"
    message_ru = "Запись прервана из-за сбоя."
    remedy_ru = "Записанное до сбоя сохранено. Проверьте гарнитуру и повторите."
    result: "RecordingResult | None" = None


class InputOverflowError(RecordingFault):
    """Input overflowed more often than the recorder tolerates (audio was dropped)."""

    code = "audio_input_overflow"
    message_ru = "Компьютер не успевает записывать звук: часть звука потеряна."
    remedy_ru = ("Записанное сохранено. Закройте лишние программы и повторите запись; "
                 "если повторится, пересадите участника за резервный компьютер.")


class StreamStalledError(RecordingFault):
    """The input stream stopped delivering audio for longer than the watchdog allows."""

    code = "audio_stream_stalled"
    message_ru = "Звук с микрофона перестал поступать."
    remedy_ru = "Записанное сохранено. Проверьте подключение гарнитуры и повторите запись."


class StreamAbortedError(RecordingFault):
    """The audio system ended the input stream on its own."""

    code = "audio_stream_aborted"
    message_ru = "Звуковая система неожиданно остановила запись."
    remedy_ru = "Записанное сохранено. Проверьте гарнитуру и повторите запись."


class DeviceLostError(StreamAbortedError):
    """The input device disappeared mid-recording (unplugged, audio server gone)."""

    code = "audio_device_lost"
    message_ru = "Микрофон отключился во время записи."
    remedy_ru = "Записанное сохранено. Подключите гарнитуру и нажмите «Повторить»."


class DiskFullError(RecordingFault):
    """The disk is full: nothing more can be written."""

    code = "audio_disk_full"
    message_ru = "На диске закончилось место: запись остановлена."
    remedy_ru = ("Записанное до этого момента сохранено. Освободите место на диске и "
                 "выполните восстановление записи (vpr-diagnose recover).")


class StorageError(RecordingFault):
    """Writing the recording failed for another OS reason."""

    code = "audio_storage"
    message_ru = "Не удалось сохранить запись на диск."
    remedy_ru = "Проверьте диск и права доступа к папке данных; обратитесь к техническому специалисту."


class RecordingExistsError(AudioError):
    """A recording (or an unfinished journal) with this name is already there."""

    code = "audio_recording_exists"
    message_ru = "Запись с таким именем уже существует."
    remedy_ru = ("Если предыдущая запись была прервана, сначала восстановите её "
                 "(vpr-diagnose recover), затем повторите.")


class JournalError(AudioError):
    """An interrupted recording cannot be rebuilt (missing, unreadable or tampered)."""

    code = "audio_journal"
    message_ru = "Не удалось восстановить прерванную запись."
    remedy_ru = "Сохраните папку с записью и обратитесь к техническому специалисту."


class JournalTamperedError(JournalError):
    """A piece in the middle of the journal does not match the hash chain."""

    code = "audio_journal_tampered"
    message_ru = "Файл прерванной записи повреждён или изменён: контрольная цепочка не сходится."


class RecordingInProgressError(JournalError):
    """The journal is locked by a recorder that is still running."""

    code = "audio_recording_in_progress"
    message_ru = "Эта запись ещё идёт: восстанавливать её нельзя."
    remedy_ru = "Дождитесь окончания записи на станции или закройте программу станции и повторите."


class EmptyRecordingError(JournalError):
    """No audio at all reached the disk (the journal was removed: nothing to lose)."""

    code = "audio_empty_recording"
    message_ru = "Запись пуста: звук не успел записаться."
    remedy_ru = "Повторите запись."


class RecordingKeyError(JournalError):
    """An encrypted recording cannot be opened with this key: it was sealed for another
    node (``wrong_node``), or its key header is damaged."""

    code = "audio_recording_key"
    message_ru = "Запись зашифрована для другого узла координатора или её заголовок повреждён."
    remedy_ru = ("Проверьте, что станция подключена к этому узлу (vpr-station check-node); "
                 "файл записи сохраните - без ключа своего узла он не читается.")

    def __init__(self, detail: str = "", *, wrong_node: bool = False, **kwargs) -> None:
        super().__init__(detail, **kwargs)
        self.wrong_node = wrong_node


class RecordingEncryptedError(JournalError):
    """The recording is encrypted for the node; the station cannot decode it."""

    code = "audio_recording_encrypted"
    message_ru = "Запись зашифрована: прослушать её можно только на узле координатора."
    remedy_ru = "Передайте пакет с записью на узел (по сети или на флешке)."


class AudioDecodeError(AudioError):
    """Prompt audio from the exam package cannot be decoded."""

    code = "audio_decode"
    message_ru = "Не удалось прочитать звуковой файл задания."
    remedy_ru = "Проверьте пакет заданий (vpr-content validate) и обратитесь к техническому специалисту."


class PlaybackError(AudioError):
    """Playback could not start or was ended by the audio system."""

    code = "audio_playback"
    message_ru = "Не удалось воспроизвести звук."
    remedy_ru = "Проверьте, что наушники подключены, и нажмите «Повторить»."
