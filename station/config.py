"""The station's configuration (``station.json`` in the user config dir): its name,
chosen devices (stable names), volume, the exam package and its password once entered,
the technician PIN (stored as a salted scrypt hash, never in the clear) and an optional
file of valid participant codes. Pure Python; no Kivy."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import platform
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

from vpr_common import paths
from vpr_common.atomic import atomic_write_text
from vpr_common.errors import VprError

CONFIG_NAME = "station.json"


class ConfigError(VprError):
    code = "station_config"
    message_ru = "Настройки станции повреждены."
    remedy_ru = "Удалите файл настроек станции и настройте станцию заново в меню технического специалиста."


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """``scrypt$<salt hex>$<hash hex>``."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_pin(pin: str, stored: str) -> bool:
    try:
        kind, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if kind != "scrypt":
        return False
    return hmac.compare_digest(hash_pin(pin, bytes.fromhex(salt_hex)), stored)


@dataclass
class StationConfig:
    station_name: str = field(default_factory=lambda: platform.node() or "station")
    input_device: str | None = None
    output_device: str | None = None
    volume: float = 0.8
    package_path: str | None = None
    password_file: str | None = None
    valid_codes_file: str | None = None
    pin_hash: str | None = None

    @classmethod
    def path(cls) -> Path:
        return paths.config_dir() / CONFIG_NAME

    @classmethod
    def load(cls) -> "StationConfig":
        """The saved config, or defaults when there is none. Raises :class:`ConfigError`."""
        p = cls.path()
        if not p.exists():
            return cls()
        try:
            return cls(**json.loads(p.read_text("utf-8")))
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{p}: {exc}") from exc

    def save(self) -> None:
        atomic_write_text(self.path(), json.dumps(asdict(self), ensure_ascii=False, indent=2), mode=0o600)

    def set_pin(self, pin: str) -> None:
        if len(pin) < 4 or not pin.isdigit():
            raise ConfigError("pin too short", message_ru="PIN - не меньше четырёх цифр.", remedy_ru="")
        self.pin_hash = hash_pin(pin)

    def valid_codes(self) -> set[str] | None:
        """Codes from ``valid_codes_file`` (one per line), or None when not configured."""
        if not self.valid_codes_file:
            return None
        try:
            text = Path(self.valid_codes_file).read_text("utf-8")
        except OSError as exc:
            raise ConfigError(str(exc), message_ru="Не читается файл со списком кодов участников.",
                              remedy_ru="Проверьте путь к файлу в настройках станции.") from exc
        return {line.strip() for line in text.splitlines() if line.strip()}


def default_sessions_dir() -> Path:
    return paths.data_dir() / "station" / "sessions"


def is_windows() -> bool:
    return os.name == "nt"
