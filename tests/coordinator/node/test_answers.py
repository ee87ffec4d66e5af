"""Recordings sealed for the node, through a real node: pairing hands the station the
node's recording key (an older pairing asks for it); an uploaded package's sealed
answers are opened on arrival into FLAC the scoring reads; an answer sealed for another
node is still accepted (the station's data is never refused after it was verified) but
reported, never silently empty."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import soundfile as sf
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from audio.encryption import public_key_b64
from audio.errors import RecordingKeyError
from audio.finalize import seal_flac
from coordinator.node import answers, recording_key
from sync.package import seal_package
from tests.sync.harness import NodeProcess, pair_station


def _flac(seconds: float, freq: float) -> bytes:
    t = np.arange(int(16000 * seconds)) / 16000
    buf = io.BytesIO()
    sf.write(buf, (0.3 * np.sin(2 * np.pi * freq * t) * 32767).astype(np.int16), 16000, format="FLAC",
             subtype="PCM_16")
    return buf.getvalue()


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("answers")
    proc = NodeProcess(tmp / "node").start()
    yield proc, tmp
    proc.stop()


def test_pairing_gives_the_key_and_an_older_pairing_asks_for_it(node):
    proc, tmp = node
    station = pair_station(proc, tmp / "st1")
    node_public = public_key_b64(recording_key.load_or_create(proc.data_dir).public_key())
    assert json.loads((station.root / "pairing.json").read_text("utf-8"))["recording_key"] == node_public
    assert public_key_b64(station.recording_key()) == node_public
    # a pairing saved before recordings were sealed has no key: asked once, then kept
    data = json.loads((station.root / "pairing.json").read_text("utf-8"))
    del data["recording_key"]
    (station.root / "pairing.json").write_text(json.dumps(data), "utf-8")
    assert public_key_b64(station.recording_key()) == node_public
    assert json.loads((station.root / "pairing.json").read_text("utf-8"))["recording_key"] == node_public


def test_sealed_answers_are_opened_on_arrival(node):
    proc, tmp = node
    station = pair_station(proc, tmp / "st2")
    src = tmp / "src"
    src.mkdir()
    mine, foreign = _flac(1.5, 440), _flac(1.0, 880)
    seal_flac(mine, src / "t1_p1.vprenc", station.recording_key())
    seal_flac(foreign, src / "t2_p1.vprenc", X25519PrivateKey.generate().public_key())  # another node's key
    plain = _flac(0.5, 220)
    (src / "t3_p1.flac").write_bytes(plain)  # a station sealed before encryption
    (src / "responses.json").write_text("{}", "utf-8")
    files = {"answers/t1_p1.vprenc": src / "t1_p1.vprenc", "answers/t2_p1.vprenc": src / "t2_p1.vprenc",
             "answers/t3_p1.flac": src / "t3_p1.flac", "responses.json": src / "responses.json"}
    pkg = seal_package(files, {"participant_code": "12345", "variant": "1", "subject": "english"},
                       station.station_key(), tmp / "sealed")
    client = station.client()
    assert client.upload(pkg.path, pkg.package_id) == "verified"  # accepted although one answer does not open
    client.close()
    store = proc.store()
    opened = answers.answers_dir(store, pkg.package_id)
    assert sorted(p.name for p in opened.iterdir()) == ["t1_p1.flac"]
    assert (opened / "t1_p1.flac").read_bytes() == mine
    assert answers.answer_flac(store, pkg.package_id, "t1_p1.vprenc") == mine
    assert answers.answer_flac(store, pkg.package_id, "t3_p1.flac") == plain
    with pytest.raises(RecordingKeyError) as err:
        answers.answer_flac(store, pkg.package_id, "t2_p1.vprenc")
    assert err.value.wrong_node
