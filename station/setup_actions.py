"""The technician's station set-up, without Kivy: device names for the pickers, saving
the chosen devices, checking a package with a typed password before saving both, and
pairing with the node. Each function returns the Russian text to show or raises a
``VprError`` whose ``user_text`` the screen shows."""

from __future__ import annotations

from pathlib import Path

from audio.devices import DeviceKind, list_devices
from exam_content.archive import open_package
from station.config import StationConfig
from station.node_link import materials_dir
from sync.station_config import StationSync
from vpr_common.atomic import atomic_write_text
from vpr_common.errors import VprError

DEFAULT_DEVICE = "по умолчанию"


def device_names(kind: DeviceKind) -> list[str]:
    """Stable names for a picker, the system default first. Never raises: with no audio
    system the list has only the default entry."""
    try:
        return [DEFAULT_DEVICE] + [d.stable_name for d in list_devices(kind)]
    except Exception:  # noqa: BLE001 - PortAudio missing or broken: the check says why
        return [DEFAULT_DEVICE]


def save_devices(config: StationConfig, input_name: str, output_name: str) -> str:
    config.input_device = None if input_name == DEFAULT_DEVICE else input_name
    config.output_device = None if output_name == DEFAULT_DEVICE else output_name
    config.save()
    return "Устройства сохранены. Перезапустите станцию, чтобы они применились."


def save_package(config: StationConfig, package_path: str, password: str) -> str:
    """Verify the package with ``password`` (raises its ContentError), then keep the
    password in an owner-only file and point the config at both."""
    path = Path(package_path.strip().strip('"'))
    if not password:
        raise VprError("empty password", message_ru="Введите пароль к пакету.", remedy_ru="")
    package = open_package(path, password.encode("utf-8"))
    pw_file = materials_dir() / "exam-password.txt"
    atomic_write_text(pw_file, password + "\n", mode=0o600)
    config.package_path = str(path.resolve())
    config.password_file = str(pw_file)
    config.save()
    return f"Пакет проверен и выбран: {package.manifest.title}. Перезапустите станцию, чтобы начать работу с ним."


def pair(sync: StationSync, config: StationConfig, url: str, code: str) -> str:
    """Pair with the node (raises ``PairingError`` / ``NodeUnreachableError`` ...)."""
    pairing = sync.pair(url.strip(), code.strip().replace("-", "").replace(" ", ""), config.station_name)
    fp = pairing.fingerprint
    grouped = " ".join(fp[i:i + 4] for i in range(0, min(len(fp), 32), 4))
    return (f"Станция подключена к узлу как {pairing.station_id}. Сверьте отпечаток сертификата узла с тем, "
            f"что показал vpr-node pair-code: {grouped}…")
