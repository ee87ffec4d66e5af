"""Assembling a station run without Kivy: the station config, the exam package (the
configured one, or the built-in demo), the audio port (sealing every answer for the
node's recording key; a real exam does not start without it, the unpaired demo records
in clear), the session store, the sealer,
the upload worker and the code check, put together into an
:class:`~station.flow.machine.ExamFlow`.

:func:`build_runtime` is the one place where these parts are connected, and only
through constructor arguments: the sealer gets the worker's ``wake`` as its
``on_sealed`` callback, the flow gets the sealer. Nothing assigns another object's
attributes afterwards."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from exam_content.archive import ExamPackage, open_package, read_password_file
from exam_content.demo import write_demo_packages
from station.config import StationConfig, default_sessions_dir
from station.flow.audio_port import RealAudioPort
from station.flow.live import LiveState
from station.flow.machine import ExamFlow
from station.flow.sealing import Sealer, station_key
from station.flow.session_store import SessionStore
from station.flow.timing import FlowTimings
from station.node_link import CodeBook, KnownCodes, known_codes
from sync.station_config import StationSync
from vpr_common import paths
from vpr_common.errors import VprError

log = logging.getLogger(__name__)


class NoRecordingKeyError(VprError):
    code = "station_no_recording_key"
    message_ru = ("Станция не получила ключ шифрования записей от узла координатора: без него ответы "
                  "учеников нельзя записывать.")
    remedy_ru = ("Технический специалист: подключите станцию к узлу (vpr-station pair АДРЕС КОД) или, если она "
                 "уже подключена, проверьте связь с узлом (vpr-station check-node) и запустите станцию снова.")


class NotConfiguredError(VprError):
    code = "station_not_configured"
    message_ru = "Станция не настроена: не выбран пакет экзаменационных материалов или не введён пароль."
    remedy_ru = ("Технический специалист: выполните «vpr-station setup --package ПАКЕТ --password-file ФАЙЛ» "
                 "или запустите «vpr-station --demo» для демонстрации.")


@dataclass
class StationRuntime:
    config: StationConfig
    package: ExamPackage
    flow: ExamFlow
    sync: StationSync
    sealer: Sealer  # the app replaces its readiness report after the technician's checks
    demo: bool
    fast: bool
    worker: object | None = None  # the background SyncWorker when paired
    live: LiveState = field(default_factory=LiveState)  # what the node's live board shows

    def track_live(self) -> None:
        """Take the flow's live state (UI thread, every frame); when the board would
        show something else, the worker sends a heartbeat now."""
        if self.live.update(self.flow) and self.worker is not None:
            self.worker.state_changed()


def sound_check_prompt() -> bytes:
    return resources.files("station").joinpath("assets/sound_check_ru.ogg").read_bytes()


def demo_package(language: str, fast: bool) -> ExamPackage:
    """Build (once) and open the demo package for ``language`` under the data dir."""
    out = paths.data_dir() / "station" / "demo"
    suffix = "-fast" if fast else ""
    pkg = out / f"vpr-demo-{language}{suffix}.zip"
    pw = out / f"vpr-demo-{language}{suffix}.password.txt"
    if not (pkg.exists() and pw.exists()):
        write_demo_packages(out, fast=fast, languages=(language,))
    return open_package(pkg, read_password_file(pw))


def configured_package(config: StationConfig) -> ExamPackage:
    """Raises :class:`NotConfiguredError` or the package's own ContentError."""
    if not config.package_path or not config.password_file:
        raise NotConfiguredError("package or password not configured")
    return open_package(Path(config.package_path), read_password_file(Path(config.password_file)))


def build_runtime(*, demo: bool, language: str = "en", fast: bool = False,
                  sessions_dir: Path | None = None, sync_root: Path | None = None,
                  readiness: dict | None = None) -> StationRuntime:
    """Everything the app needs. Raises the ``VprError`` that prevents starting."""
    config = StationConfig.load()
    if readiness is None:
        from diagnostics.report import load_report

        readiness = load_report() or {}
    package = demo_package(language, fast) if demo else configured_package(config)
    sync = StationSync(sync_root)
    store = SessionStore(sessions_dir or default_sessions_dir())
    codes = CodeBook(KnownCodes(None, {}) if demo else known_codes(sync, config, ask_node=False))
    # asks the node once if an older pairing has none (this runs on the start-up worker thread)
    seal_to = sync.recording_key()
    if seal_to is None and not demo:
        raise NoRecordingKeyError("no node recording key (not paired, or the node cannot be asked)")
    audio = RealAudioPort(config.input_device, config.output_device, config.volume, seal_to=seal_to)
    station_id, prompt = station_key(sync).station_id, sound_check_prompt()
    worker, live = None, LiveState()
    if not demo:  # started once nothing else can fail: the constructors below do no I/O
        from station.node_link import start_sync_worker

        worker = start_sync_worker(sync, live.snapshot)
        threading.Thread(target=codes.refresh, args=(sync, config), name="codes-refresh", daemon=True).start()
    sealer = Sealer(sync, readiness, on_sealed=worker.wake if worker is not None else None)
    flow = ExamFlow(
        package, audio, store, station_id=station_id, sound_check_prompt=prompt, sealer=sealer,
        code_check=codes.check, accommodations=codes.accommodation,
        timings=FlowTimings.fast() if fast or package.manifest.rehearsal else FlowTimings(),
    )
    return StationRuntime(config, package, flow, sync, sealer, demo, fast, worker, live)
