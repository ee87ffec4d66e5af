"""What the running node does for scoring by itself, every few seconds: prepares the
answers that arrived for every linked subject, scores objective tasks whose answer key
came later, and writes complete rows into the results form."""

from __future__ import annotations

import logging
from pathlib import Path

from coordinator.node.storage import NodeStore
from coordinator.school.store import SchoolStore
from coordinator.scoring import content
from coordinator.scoring.store import ScoringStore

log = logging.getLogger(__name__)


def tick(data_dir: Path) -> int:
    """One round over the linked subjects; returns the number of new responses."""
    scoring = ScoringStore(data_dir)
    links = content.links(scoring)
    if not links:
        return 0
    from coordinator.scoring import flow, responses  # numpy and soundfile only once something is linked

    node = NodeStore(data_dir)
    made = 0
    for link in links:
        rep = responses.prepare(scoring, node, link.subject_id)
        rescored = responses.rescore_objective(scoring, node, link.subject_id)
        made += rep.responses
        if rep.packages or rescored:
            with SchoolStore(data_dir) as school:
                moved = flow.to_results(scoring, school, link.subject_id)
            log.info("scoring %s: %d packages, %d responses, %d rescored, %d results rows",
                     link.subject_id, rep.packages, rep.responses, rescored, moved.stored)
    return made
