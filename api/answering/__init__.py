"""What decides an answer, one file per decision:

- pipeline.py: the Haystack query pipeline (encoder -> hybrid retrieval -> code lookup -> ranking -> answer);
- reranker.py (+ features.py, ranker_model.py, training.py, pairs.py): the learned reranker and its training on
  pairs mined from the corpus; answer_type_rules.py: the rule-based ranking used when no model is trained;
- selection.py: which passages are cited and which sentences quoted; abstention.py: whether the documents answer;
- version_notes.py: warnings about outdated or disagreeing sources;
- followups.py (+ followup_terms.py): follow-up questions made standalone from the conversation.

HTTP routes (api/app.py, *_routes.py), the CLI (api/cli.py) and storage (api/storage.py, index/) live elsewhere.
"""
