"""Only regular files are read from what users hand us: no FIFO (a read would wait
forever), no device, no symlink, nothing over the size limit."""

from __future__ import annotations

import os

import pytest

from vpr_common.errors import InputFileError
from vpr_common.files import is_regular_file, open_regular


def test_regular_file_opens_and_reads(tmp_path):
    f = tmp_path / "список.csv"
    f.write_bytes(b"a;b\n")
    with open_regular(f) as fh:
        assert fh.read() == b"a;b\n"
    assert is_regular_file(f)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this OS")
def test_fifo_symlink_device_and_folder_refused_at_once(tmp_path):
    fifo = tmp_path / "форма.xlsx"
    os.mkfifo(fifo)
    link = tmp_path / "link.xlsx"
    link.symlink_to("/dev/zero")
    good = tmp_path / "good.xlsx"
    good.write_bytes(b"x")
    to_good = tmp_path / "to_good.xlsx"
    to_good.symlink_to(good)
    for path in (fifo, link, to_good, tmp_path, "/dev/null"):
        with pytest.raises(InputFileError) as err:
            open_regular(path)
        assert "не обычный файл" in err.value.message_ru or "Не удалось открыть" in err.value.message_ru
        assert not is_regular_file(path)


def test_too_large_refused_with_the_sizes(tmp_path):
    f = tmp_path / "big.csv"
    f.write_bytes(b"x" * (3 * 1024 * 1024))
    with pytest.raises(InputFileError) as err:
        open_regular(f, max_bytes=1024 * 1024)
    assert "3 МБ" in err.value.message_ru and "1 МБ" in err.value.message_ru
