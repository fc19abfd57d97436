"""`vraagbaak calibrate`: the abstention threshold of an index, chosen on the dev split of its questions.

The dev questions are run once with no relevance threshold (every other check as configured); the threshold that
refuses the most unanswerable and the fewest answerable of them is stored beside the index (see
api/answering/calibration.py) and used from the next start. The blind split is never read here.
"""

from __future__ import annotations

from pathlib import Path

from api.answering.calibration import Calibration, Outcome, choose_threshold
from api.service import QAService
from evaluation.dataset import load_items
from evaluation.runner import evaluate_mode
from index.settings import Settings
from ingest.runner import run_ingest


def run_calibration(settings: Settings, datasets: list[Path]) -> Calibration:
    items = [item for path in datasets for item in load_items(path)]
    if "min_relevance" in settings.answer.model_fields_set:
        print(f"Let op: VRAAGBAAK_ANSWER__MIN_RELEVANCE={settings.answer.min_relevance} is ingesteld; die gaat voor "
              "op de kalibratie zolang hij ingesteld is.")
    default = type(settings.answer)().min_relevance
    open_threshold = settings.answer.model_copy(update={"min_relevance": 0.0})
    service = QAService(settings.model_copy(update={"answer": open_threshold}), purpose="eval")
    service.start(progress_bar=True)
    try:
        if service.build_report is None and service.store is not None:
            report = run_ingest(settings, service.store, service.model, progress_bar=True)
            if report.indexed or report.removed_documents:
                service.start_pipeline()
        rows = evaluate_mode(service, items)["questions"]
    finally:
        service.close()
    outcomes = [Outcome(r["answerable"], r["answered"], float(r["relevance"])) for r in rows]
    calibration = choose_threshold(outcomes, default)
    path = calibration.save(settings.data_dir)
    c = calibration
    print(f"\nKalibratie op {len(items)} dev-vragen ({', '.join(sorted({i.split for i in items}))}): "
          f"{c.answerable} beantwoordbaar, {c.unanswerable} niet")
    print(f"  min_relevance {c.min_relevance} (standaard {c.default}): terecht geweigerd {c.refused_unanswerable} "
          f"van {c.unanswerable}, ten onrechte geweigerd {c.wrongly_refused} van {c.answerable} "
          f"({c.wrongly_refused / c.answerable:.1%})")
    print(f"Opgeslagen in {path}; gebruikt vanaf de volgende start (zie /health, 'abstention').")
    return calibration
