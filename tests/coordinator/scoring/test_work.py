"""The scoring engine on real stores: leases, single and double marking, tolerance and
adjudication, qualification, seeding with pausing, final changes, the flow into the
results form, the figures."""

from __future__ import annotations

import pytest

from coordinator.school import results as school_results
from coordinator.school.subjects import get_subject
from coordinator.scoring import flow, report, responses, settings, stats, work
from coordinator.scoring.errors import (BadScoreError, LeaseLostError, NothingToScoreError, PausedError,
                                        QualificationRequiredError)
from tests.coordinator.scoring.world import make_world


@pytest.fixture()
def world(tmp_path):
    w = make_world(tmp_path, participants=6)
    responses.prepare(w.scoring, w.node, "eng8")
    return w


def _points(store, rid, value):
    return {c: min(value, crit.max_points) for c, crit in
            ((c.id, c) for c in work.rubric_for(store, rid).criteria)}


def test_single_marking_makes_finals_and_fills_the_results_form(world):
    s = world.scoring
    settings.update(s, "eng8", double_share=0.0)
    seen = set()
    for task in ("2", "3"):
        while True:
            try:
                a = work.next_response(s, "eng8", "anna", task)
            except NothingToScoreError:
                break
            assert a.response_id not in seen and a.purpose is work.Purpose.LIVE
            seen.add(a.response_id)
            out = work.submit(s, "eng8", "anna", a.response_id, _points(s, a.response_id, 1))
            assert out.outcome == "final"
    assert len(seen) == 12
    with world.school() as school:
        rep = flow.to_results(s, school, "eng8")
        assert rep.stored == 6 and rep.waiting == 0
        rows = school_results.list_results(school, get_subject(school, "eng8"))
    assert {r.code for r in rows} == set(world.codes)
    assert all(r.points[1] is not None and r.points[2] is not None for r in rows)


def test_a_response_is_never_held_by_two_experts_and_a_lease_runs_out(world):
    s = world.scoring
    settings.update(s, "eng8", double_share=0.0, lease_s=60)
    a = work.next_response(s, "eng8", "anna", "2", now=1000.0)
    again = work.next_response(s, "eng8", "anna", "2", now=1010.0)
    assert again.response_id == a.response_id  # she gets back what she holds
    others = {work.next_response(s, "eng8", f"e{i}", "2", now=1010.0).response_id for i in range(5)}
    assert a.response_id not in others and len(others) == 5
    with pytest.raises(NothingToScoreError):  # six responses, six holders
        work.next_response(s, "eng8", "boris", "2", now=1010.0)
    b = work.next_response(s, "eng8", "boris", "2", now=1100.0)  # anna's lease ran out at 1070
    assert b.response_id == a.response_id
    with pytest.raises(LeaseLostError):
        work.submit(s, "eng8", "anna", a.response_id, _points(s, a.response_id, 1), now=1101.0)
    assert work.submit(s, "eng8", "boris", b.response_id, _points(s, b.response_id, 1), now=1101.0).outcome == "final"


def test_double_marking_outside_tolerance_goes_to_the_lead_who_decides(world):
    s = world.scoring
    settings.update(s, "eng8", double_share=1.0)
    a = work.next_response(s, "eng8", "anna", "3")
    rub = work.rubric_for(s, a.response_id)
    high = {c.id: c.max_points for c in rub.criteria}
    low = {c.id: 0 for c in rub.criteria}
    assert work.submit(s, "eng8", "anna", a.response_id, high).outcome == "waiting_second"
    b = work.next_response(s, "eng8", "boris", "3")
    assert b.response_id == a.response_id and b.purpose is work.Purpose.SECOND  # pairs are completed first
    assert work.next_response(s, "eng8", "anna", "3").response_id != a.response_id  # never her own twice
    assert work.submit(s, "eng8", "boris", b.response_id, low).outcome == "adjudication"
    assert work.adjudication_queue(s, "eng8") == [a.response_id]
    seen_by_lead = work.readings_of(s, a.response_id)
    assert [r["login"] for r in seen_by_lead] == ["anna", "boris"]
    total = work.adjudicate(s, "eng8", "lead", a.response_id, {c.id: 1 for c in rub.criteria}, "сверено")
    assert total == len(rub.criteria) and work.adjudication_queue(s, "eng8") == []
    prog = {t.task_number: t for t in stats.progress(s, "eng8")}
    assert prog["3"].final == 1 and prog["3"].adjudication == 0


def test_inside_tolerance_the_final_is_the_mean_rounded_up(world):
    s = world.scoring
    settings.update(s, "eng8", double_share=1.0)
    a = work.next_response(s, "eng8", "anna", "3")
    rub = work.rubric_for(s, a.response_id)
    first = {c.id: c.max_points for c in rub.criteria}
    second = {c.id: max(0, c.max_points - 1) if i == 0 else c.max_points for i, c in enumerate(rub.criteria)}
    work.submit(s, "eng8", "anna", a.response_id, first)
    b = work.next_response(s, "eng8", "boris", "3")
    assert work.submit(s, "eng8", "boris", b.response_id, second).outcome == "final"
    final = s.one("SELECT criteria_json, source FROM finals WHERE response_id=?", (a.response_id,))
    assert final["source"] == "agreed:mean_up" and "К1" in final["criteria_json"]
    import json
    assert json.loads(final["criteria_json"]) == first  # (max + max-1)/2 rounded up == max


def test_scores_out_of_range_and_a_flag_without_points(world):
    s = world.scoring
    a = work.next_response(s, "eng8", "anna", "2")
    with pytest.raises(BadScoreError):
        work.submit(s, "eng8", "anna", a.response_id, {"К1": 99})
    out = work.submit(s, "eng8", "anna", a.response_id, {"К1": ""}, flag="silent", comment="тишина")
    assert out.outcome == "adjudication" and a.response_id in work.adjudication_queue(s, "eng8")


def test_qualification_gates_live_marking_with_feedback_then_approves(world):
    s = world.scoring
    qual = [work.next_response(s, "eng8", "lead", t, lead=True).response_id for t in ("2", "3")]
    for rid in qual:
        work.set_definitive(s, "eng8", "lead", rid, _points(s, rid, 1), work.Set.QUALIFICATION)
    with pytest.raises(QualificationRequiredError):
        work.next_response(s, "eng8", "anna", "2")
    for rid_expected in qual:
        a = work.next_set_response(s, "eng8", "anna", work.Purpose.QUALIFICATION)
        assert a.response_id == rid_expected
        work.submit(s, "eng8", "anna", a.response_id, _points(s, a.response_id, 0))
    q = work.evaluate_qualification(s, "eng8", "anna")
    assert q.state == "failed" and q.differences and all(d["definitive"] == 1 for d in q.differences)
    work.retake_qualification(s, "eng8", "anna")
    while (a := work.next_set_response(s, "eng8", "anna", work.Purpose.QUALIFICATION)) is not None:
        work.submit(s, "eng8", "anna", a.response_id, _points(s, a.response_id, 1))
    assert work.evaluate_qualification(s, "eng8", "anna").state == "approved"
    assert work.next_response(s, "eng8", "anna", "2").response_id not in qual  # definitive ones are not live


def test_seeds_reappear_and_a_drifting_expert_is_paused(world):
    s = world.scoring
    settings.update(s, "eng8", double_share=0.0, seed_every=1, seed_window=2)
    seeds = [work.next_response(s, "eng8", "lead", "3", lead=True).response_id for _ in range(1)]
    seeds.append(work.next_response(s, "eng8", "lead2", "3", lead=True).response_id)
    for rid in seeds:
        work.set_definitive(s, "eng8", "lead", rid, _points(s, rid, 2), work.Set.SEED)
    kinds = []
    for _ in range(4):
        a = work.next_response(s, "eng8", "anna", "3")
        kinds.append(a.purpose)
        wrong = {k: 0 for k in _points(s, a.response_id, 0)}
        work.submit(s, "eng8", "anna", a.response_id, wrong)
        if a.purpose is work.Purpose.SEED:
            assert a.response_id in seeds
    assert kinds.count(work.Purpose.SEED) == 2  # one after every live reading, shown as any other
    with pytest.raises(PausedError) as err:
        work.next_response(s, "eng8", "anna", "3")
    assert "эталоном" in err.value.remedy_ru
    work.resume_expert(s, "eng8", "anna")
    work.next_response(s, "eng8", "anna", "3")


def test_a_final_changes_only_with_a_reason_and_is_recorded(world):
    s = world.scoring
    settings.update(s, "eng8", double_share=0.0)
    a = work.next_response(s, "eng8", "anna", "2")
    work.submit(s, "eng8", "anna", a.response_id, {"К1": 1})
    with pytest.raises(BadScoreError):
        work.change_final(s, "lead", a.response_id, {"К1": 2}, "  ")
    assert work.change_final(s, "lead", a.response_id, {"К1": 2}, "перепроверка по жалобе") == 2
    ch = s.query("SELECT * FROM final_changes")
    assert len(ch) == 1 and ch[0]["reason"] == "перепроверка по жалобе" and ch[0]["login"] == "lead"


def test_status_keys_kappa_and_expert_figures(world):
    s = world.scoring
    settings.update(s, "eng8", double_share=1.0)
    for _ in range(6):
        a = work.next_response(s, "eng8", "anna", "3")
        rub = work.rubric_for(s, a.response_id)
        work.submit(s, "eng8", "anna", a.response_id, {c.id: c.max_points for c in rub.criteria})
        b = work.next_response(s, "eng8", "boris", "3")
        work.submit(s, "eng8", "boris", b.response_id, {c.id: c.max_points for c in rub.criteria})
    with world.school() as school:
        data = report.status(s, school, "eng8")
    assert data["responses"] == 12 and {"task", "to_score", "final", "discrepancies"} <= set(data["tasks"][0])
    task3 = next(t for t in data["tasks"] if t["task"] == "3")
    assert task3["final"] == 6 and task3["double_marked_pairs"] == 6
    experts = {e["login"]: e for e in data["experts"]}
    assert experts["anna"]["scored"] == 6 and experts["anna"]["exact"] == 1.0 and experts["boris"]["severity"] == 0


def test_quadratic_weighted_kappa_by_hand():
    # two raters over 0..2: perfect agreement is 1, systematic one-step disagreement lower
    assert stats.quadratic_weighted_kappa([0, 1, 2, 2], [0, 1, 2, 2], 0, 2) == 1.0
    k = stats.quadratic_weighted_kappa([0, 1, 2, 1], [1, 2, 2, 0], 0, 2)
    # observed weighted disagreement 0.25*(.25+.25+0+.25)=... computed by hand: 1 - 0.1875/0.3125 = 0.4
    assert k == 0.4
    assert stats.quadratic_weighted_kappa([1], [1], 0, 2) is None
