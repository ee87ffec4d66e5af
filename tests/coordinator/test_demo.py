"""``vpr-node demo``: a complete school day in a folder - accounts whose passwords work,
the protocol with invented names (encrypted), codes, absentees, delivered and verified
packages, responses ready for the experts and a qualification set."""

from __future__ import annotations

from coordinator.node.storage import NodeStore
from coordinator.school.store import SchoolStore
from coordinator.school import protocol, vault
from coordinator.scoring import work
from coordinator.scoring.store import ScoringStore
from coordinator.web import accounts
from coordinator.web.store import ConsoleStore
from tests.sync.harness import run_node_cli


def test_demo_school_is_complete_and_its_logins_work(tmp_path):
    folder = tmp_path / "демо"
    rc, out, err = run_node_cli("demo", str(folder), "--participants", "12")
    assert rc == 0, err
    assert "Готово" in out and "Traceback" not in err
    lines = [line.split("\t") for line in (folder / "demo-logins.txt").read_text(encoding="utf-8").splitlines()]
    assert [r[0] for r in lines] == ["coordinator", "technician", "expert", "expert", "lead_expert"]
    store = ConsoleStore(folder)
    for role, login, password in lines:
        assert accounts.authenticate(store, login, password).role.value == role
    readme = (folder / "demo-readme.txt").read_text(encoding="utf-8")
    passphrase = readme.split("«код - ФИО»: ")[1].splitlines()[0]
    with SchoolStore(folder) as school:
        names = protocol.entries(school, vault.unlock(school, passphrase))
        assert len(names) == 12 and all(len(e.name.split()) == 3 for e in names)
        raw = (folder / "school.sqlite").read_bytes()
        assert all(e.name.split()[0].encode() not in raw for e in names)  # names only inside the vault
    node = NodeStore(folder)
    delivered = node.list_packages()
    assert 8 <= len(delivered) < 12 and not node.list_rejections()  # absentees have no package
    scoring = ScoringStore(folder)
    assert len(scoring.query("SELECT id FROM responses")) == 2 * len(delivered)
    assert len(work.qualification_set(scoring, "eng8")) == 2
    rc, out, err = run_node_cli("demo", str(folder))  # never over an existing school
    assert rc == 2 and "не пуста" in err
