"""The kiosk's question to the node, without Kivy: normalise what was typed (spaces,
dashes), ask ``POST /api/v1/kiosk/lookup`` over the pinned, signed connection and turn
every outcome into either the participant's subjects or one Russian sentence for the
screen. Nothing here keeps a code, a PIN or a result after the call returns."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sync.errors import NodeCertificateError, NodeRefusedError, NodeUnreachableError, NotPairedError, SyncError
from sync.station_config import StationSync

log = logging.getLogger(__name__)

CODE_DIGITS = 5
PIN_DIGITS = 6


@dataclass(frozen=True)
class Found:
    code: str
    subjects: list[dict]


@dataclass(frozen=True)
class Refused:
    """Shown in red on the entry screen; ``clear_pin`` empties the PIN field."""

    message: str
    clear_pin: bool = True


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def check_typed(code: str, pin: str) -> Refused | None:
    """The kiosk's own checks before anything goes to the node."""
    if len(digits(code)) != CODE_DIGITS:
        return Refused("Код участника - это пять цифр. Он напечатан на карточке доступа.", clear_pin=False)
    if len(digits(pin)) != PIN_DIGITS:
        return Refused("PIN - это шесть цифр с карточки доступа.", clear_pin=False)
    return None


class ResultsLookup:
    """One paired kiosk PC asking its node. A fresh client per question: the kiosk
    is idle most of the time and the node may have restarted in between."""

    def __init__(self, sync: StationSync | None = None) -> None:
        self.sync = sync or StationSync()

    def paired(self) -> bool:
        try:
            self.sync.pairing()
        except NotPairedError:
            return False
        return True

    def find(self, code: str, pin: str) -> Found | Refused:
        bad = check_typed(code, pin)
        if bad:
            return bad
        code, pin = digits(code), digits(pin)
        try:
            client = self.sync.client()
        except NotPairedError:
            return Refused("Этот компьютер не подключён к узлу школы. Обратитесь к дежурному учителю.")
        try:
            answer = client.kiosk_lookup(code, pin)
        except NodeRefusedError as exc:
            log.info("kiosk lookup refused: %s %s", exc.status, exc.reason)
            if exc.status == 429:
                return Refused(f"{exc.message_ru} {exc.remedy_ru or ''}".strip())
            if exc.status == 403:
                return Refused("Код участника или PIN не подходят. Проверьте цифры на карточке доступа.")
            return Refused("Узел школы не смог ответить. Обратитесь к дежурному учителю.")
        except NodeCertificateError:
            log.exception("kiosk: node certificate changed")
            return Refused("Узел школы не прошёл проверку подлинности. Обратитесь к техническому специалисту.")
        except (NodeUnreachableError, SyncError):
            log.exception("kiosk: node unreachable")
            return Refused("Нет связи с узлом школы. Попробуйте через минуту или обратитесь к дежурному учителю.",
                           clear_pin=False)
        finally:
            client.close()
        return Found(str(answer.get("code", code)), list(answer.get("subjects", [])))
