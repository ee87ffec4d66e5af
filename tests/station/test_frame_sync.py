"""Which OpenGL renderers get every frame finished (station/frame_sync.py)."""

from __future__ import annotations

import pytest

from station.frame_sync import wanted


@pytest.mark.parametrize("renderer, env, on", [
    ("llvmpipe (LLVM 15.0.6, 256 bits)", {}, True),
    ("softpipe", {}, True),
    ("Microsoft Basic Render Driver", {}, True),
    ("ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0)", {}, True),
    ("Mesa Intel(R) UHD Graphics 620 (KBL GT2)", {}, False),
    ("NVIDIA GeForce GT 710/PCIe/SSE2", {}, False),
    ("llvmpipe (LLVM 15.0.6, 256 bits)", {"VPR_FRAME_SYNC": "0"}, False),
    ("NVIDIA GeForce GT 710/PCIe/SSE2", {"VPR_FRAME_SYNC": "1"}, True),
    ("", {}, False),
])
def test_software_renderers_only_unless_forced(renderer, env, on):
    assert wanted(renderer, env) is on
