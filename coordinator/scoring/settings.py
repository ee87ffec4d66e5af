"""Quality-control settings of one subject's scoring, each with a sensible default and
stored per subject (``scoring.sqlite``, table ``settings``).

Defaults and where they come from:

* ``double_share`` 0.2 - a fifth of live responses is marked by a second expert who
  does not see the first score (common practice of on-screen marking services);
  1.0 marks every response twice.
* tolerance between two readings: every criterion within 1 point, the totals within 1,
  and the gate criteria (a rubric's ``zero_if``) either both zero or both not - outside
  it the response goes to the lead expert, whose score is final.
* ``within_tolerance`` "mean_up": inside tolerance the final score per criterion is the
  mean of the two readings rounded up - the rule of the Russian state exams (ЕГЭ) for two
  experts within the allowed difference. Other values: "first", "higher", "lower".
* qualification: every criterion within 1 point and at least 80 % of criteria exact.
* ``seed_every`` 20 - a definitive response reappears among every 20 live ones; an
  expert whose last 5 seeds are below 80 % exact criteria (or differ by more than 1 on
  a criterion twice) is paused and told why.
* ``lease_s`` 600 - a response opened and left for 10 minutes returns to the list.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from enum import Enum

from coordinator.scoring.errors import ScoringError
from coordinator.scoring.store import ScoringStore


class FinalRule(str, Enum):
    MEAN_UP = "mean_up"
    FIRST = "first"
    HIGHER = "higher"
    LOWER = "lower"


@dataclass(frozen=True)
class QcSettings:
    double_share: float = 0.2
    criterion_tolerance: int = 1
    total_tolerance: int = 1
    within_tolerance: FinalRule = FinalRule.MEAN_UP
    qualification_max_diff: int = 1
    qualification_exact_share: float = 0.8
    seed_every: int = 20
    seed_window: int = 5
    seed_exact_share: float = 0.8
    lease_s: int = 600

    def as_dict(self) -> dict:
        d = asdict(self)
        d["within_tolerance"] = self.within_tolerance.value
        return d


def _check(s: QcSettings) -> QcSettings:
    if not 0 <= s.double_share <= 1 or s.seed_every < 0 or s.lease_s < 30 or s.criterion_tolerance < 0:
        raise ScoringError(f"bad settings {s}", message_ru="Недопустимые настройки оценивания.",
                           remedy_ru="Доля двойной проверки от 0 до 100 %, время закрепления не меньше 30 с.")
    return s


def get(store: ScoringStore, subject_id: str) -> QcSettings:
    row = store.one("SELECT json FROM settings WHERE subject_id=?", (subject_id,))
    if row is None:
        return QcSettings()
    data = json.loads(row["json"])
    known = {f.name for f in fields(QcSettings)}
    values = {k: v for k, v in data.items() if k in known}
    if "within_tolerance" in values:
        values["within_tolerance"] = FinalRule(values["within_tolerance"])
    return QcSettings(**values)


def update(store: ScoringStore, subject_id: str, **changes) -> QcSettings:
    if "within_tolerance" in changes:
        changes["within_tolerance"] = FinalRule(changes["within_tolerance"])
    new = _check(replace(get(store, subject_id), **changes))
    with store.tx() as db:
        db.execute("INSERT OR REPLACE INTO settings(subject_id, json) VALUES(?,?)",
                   (subject_id, json.dumps(new.as_dict())))
    return new
