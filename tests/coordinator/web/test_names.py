"""Names from the protocol reach a browser only when a coordinator unlocked the protocol
in that session: every console page and file, fetched by every role of the demo school
with the protocol locked, is searched for every pupil's name (surname, first name,
patronymic; any case): none. The positive control: after unlocking, the coordinator's
protocol page shows them."""

from __future__ import annotations

import re

import pytest
import requests

from coordinator.school import protocol, vault
from coordinator.school.store import SchoolStore
from tests.sync.harness import NodeProcess, run_node_cli

PAGES = ["/", "/today/live", "/school", "/codes", "/protocol?subject=eng8&class=8А", "/results?subject=rus8&class=8Б",
         "/upload", "/stations", "/scoring", "/analytics?subject=rus8", "/kiosk", "/users", "/journal", "/experts",
         "/analytics/report.xlsx?subject=rus8", "/analytics/report.pdf?subject=rus8", "/results/rus8/export.xlsx",
         "/results/rus8/template.xlsx?class=8А", "/codes/slips.pdf", "/protocol/paper.pdf?subject=rus8&class=8А",
         "/scoring/eng8/report.xlsx"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("names") / "school"
    assert run_node_cli("demo", str(folder), "--participants", "24")[0] == 0
    logins = [line.split("\t") for line in (folder / "demo-logins.txt").read_text().splitlines()]
    passphrase = (folder / "demo-readme.txt").read_text().split("«код - ФИО»: ")[1].splitlines()[0]
    with SchoolStore(folder) as school:
        names = [e.name for e in protocol.entries(school, vault.unlock(school, passphrase))]
    node = NodeProcess(folder).start()
    yield node, logins, passphrase, names
    node.stop()


def _session(node, login: str, password: str) -> tuple[requests.Session, str]:
    s = requests.Session()
    s.verify, s.trust_env = False, False
    token = re.search(r'name="csrf_token" value="([^"]+)"', s.get(node.url + "/login", timeout=30).text).group(1)
    assert s.post(node.url + "/login", data={"login": login, "password": password, "csrf_token": token},
                  allow_redirects=False, timeout=30).status_code == 303
    page = s.get(node.url + "/", timeout=30).text
    csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', page)
    return s, csrf.group(1) if csrf else ""


def _text(resp: requests.Response) -> str:
    body = resp.content
    if body.startswith(b"PK"):
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(body)) as z:
            body = b"\n".join(z.read(n) for n in z.namelist())
    if body.startswith(b"%PDF"):
        import subprocess

        body += subprocess.run(["pdftotext", "-", "-"], input=resp.content, capture_output=True).stdout
    return body.decode("utf-8", "replace").lower()


def test_no_name_in_any_page_or_file_while_the_protocol_is_locked(demo):
    node, logins, passphrase, names = demo
    parts = {p.lower() for n in names for p in n.split() if len(p) > 3}
    assert len(parts) > 20
    for role, login, password in logins:
        s, _ = _session(node, login, password)
        for path in PAGES:
            r = s.get(node.url + path, timeout=60)
            words = set(re.findall(r"\w+", _text(r)))  # whole words: «Павлов» is not in «Петропавловск»
            found = sorted(parts & words)
            assert found == [], (role, path, found[:5])
    # positive control: the coordinator unlocks the protocol and sees the names
    s, csrf = _session(node, *[row[1:] for row in logins if row[0] == "coordinator"][0])
    r = s.post(node.url + "/protocol/unlock", data={"passphrase": passphrase, "csrf_token": csrf, "next": "/protocol"},
               timeout=60)
    assert r.status_code == 200
    page = set(re.findall(r"\w+", _text(s.get(node.url + "/protocol?subject=rus8&class=8А", timeout=60))))
    assert parts & page
