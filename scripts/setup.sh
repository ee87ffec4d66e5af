#!/usr/bin/env bash
# Installs what vpr-station needs on Debian/Ubuntu: system packages via apt (when
# missing) and the Python packages in ./.venv. Usage: scripts/setup.sh [runtime|test]
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-runtime}"

# System libraries: PortAudio for sounddevice, the PulseAudio/ALSA bridge, mtdev for Kivy.
pkgs=(python3 python3-venv python3-pip libportaudio2 libasound2-plugins libmtdev1 fonts-dejavu-core)
if [ "$mode" = "test" ]; then
  # The test harness runs its own PulseAudio null-sink loopback; poppler renders PDFs;
  # espeak-ng and sox are used by the demo-media scripts and audio tests; the console's
  # browser tests drive the system Chromium through Playwright (its own browser
  # downloads are not possible on machines without internet).
  pkgs+=(pulseaudio pulseaudio-utils poppler-utils espeak-ng sox chromium)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "Устанавливаю системные пакеты: ${missing[*]}"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Нет apt-get: установите вручную пакеты ${missing[*]} (или их аналоги в вашем дистрибутиве)." >&2
  fi
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ "$mode" = "test" ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
else
  .venv/bin/python -m pip install -q -e .
fi
