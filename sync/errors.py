"""Typed errors of the sync layer: package format and verification, pairing,
request authentication and talking to the node. Every one carries a Russian message
and remedy for the technician; ``reason`` is a stable English code the node stores
and reports (``vpr-node status``)."""

from __future__ import annotations

from vpr_common.errors import VprError


class SyncError(VprError):
    """Base of the sync layer's errors."""

    code = "sync"
    message_ru = "Ошибка передачи ответов на узел координатора."
    remedy_ru = "Повторите попытку; ответы сохранены на станции."


class PackageError(SyncError):
    """A response package is malformed or fails verification.

    ``reason`` is one of the stable codes listed in ``docs/sync-protocol.md``
    (``bad_format``, ``bad_signature``, ``file_hash_mismatch`` ...).
    """

    code = "package_invalid"
    message_ru = "Пакет ответов повреждён или изменён и не прошёл проверку."
    remedy_ru = "Не удаляйте его: сообщите техническому специалисту; исходные записи остаются на станции."

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)


class PackageInputError(SyncError):
    """The station asked to seal a package from bad inputs (missing file, bad meta)."""

    code = "package_input"
    message_ru = "Не удалось собрать пакет ответов: неверные исходные данные."
    remedy_ru = "Сообщите техническому специалисту; записи не удалены."


class AuthError(SyncError):
    """A signed request failed authentication (node side) or was refused (station side)."""

    code = "auth"
    message_ru = "Узел координатора не принял подпись станции."
    remedy_ru = "Проверьте время на станции и заново подключите станцию к узлу (vpr-station pair)."

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)


class NotPairedError(SyncError):
    """The station has no pairing with a node yet."""

    code = "not_paired"
    message_ru = "Станция ещё не подключена к узлу координатора."
    remedy_ru = "Выполните: vpr-station pair АДРЕС_УЗЛА КОД (код покажет vpr-node pair-code)."


class PairingError(SyncError):
    """Pairing failed: wrong, used or expired code, or a certificate that does not match."""

    code = "pairing"
    message_ru = "Не удалось подключить станцию к узлу."
    remedy_ru = "Получите новый код командой vpr-node pair-code и повторите."


class NodeUnreachableError(SyncError):
    """The node cannot be reached (network down, node stopped, connection cut)."""

    code = "node_unreachable"
    message_ru = "Узел координатора недоступен."
    remedy_ru = "Проверьте сеть и что узел запущен (vpr-node serve). Ответы сохранены и будут отправлены автоматически."


class NodeCertificateError(SyncError):
    """The node presented a certificate other than the pinned one."""

    code = "node_certificate"
    message_ru = "Узел предъявил чужой сертификат: возможна подмена узла."
    remedy_ru = "Не отправляйте ответы; сообщите техническому специалисту и заново выполните vpr-station pair."


class NodeRefusedError(SyncError):
    """The node answered with an error; ``status`` and ``reason`` say which."""

    code = "node_refused"
    message_ru = "Узел координатора отказал в запросе."
    remedy_ru = "Повторите позже; при повторении сообщите техническому специалисту."

    def __init__(self, status: int, reason: str, detail: str = "", message_ru: str | None = None,
                 remedy_ru: str | None = None) -> None:
        self.status = status
        self.reason = reason
        super().__init__(f"HTTP {status} {reason}: {detail}", message_ru=message_ru, remedy_ru=remedy_ru)


class OutboxError(SyncError):
    """The station outbox cannot be read or written."""

    code = "outbox"
    message_ru = "Не удалось открыть очередь отправки ответов на станции."
    remedy_ru = "Проверьте свободное место на диске и права доступа к папке данных."


class ExportError(SyncError):
    """USB export/import failed (destination not writable, source missing)."""

    code = "usb_transfer"
    message_ru = "Не удалось перенести пакеты ответов через съёмный носитель."
    remedy_ru = "Проверьте, что флешка вставлена, не защищена от записи и на ней есть место."
