"""French text analytics for the RETEX and the consultation, offline and traceable.

What a DEPP analyst finds here, in the order of a study:

* the corpus: :func:`load_texts` (one row per contribution, with its territory when known),
  :func:`read_labels` / :func:`load_labels` / :func:`find_labels` (labelled examples, kept apart
  from the tables; bad rows go to rejects with their line and reason);
* normalisation: :func:`normalise`, :func:`tokens_long` (lemmas, stop words, accents, domain
  terms kept whole), :func:`segments` (~40-word text segments at sentence ends);
* classification into the 5 themes and 40 propositions: :func:`classify`,
  :class:`TextClassifier` (seed channel from the plan's own wording and a seed lexicon, plus a
  learnt channel from labelled examples), :func:`analyse_corpus` (the whole data folder as the
  dashboard shows it), and its measured error: :func:`held_out_evaluation`, :func:`evaluate`;
* textometry: :func:`specificities` (Lafon), :func:`keywords`, :func:`cooccurrences`,
  :func:`search` (highlighted excerpts; :func:`budgeted_search` under a time budget), :func:`coverage` (« 12 régions académiques sur 18 »
  with the contributions behind), :func:`reinert` (descending hierarchical classification).

Heavy dependencies (scikit-learn, simplemma, the optional sentence encoder) load when a
function needs them, so importing the package stays fast.
"""

from __future__ import annotations

from egn_analytics.text.classify import (
    CLASSIFICATION_SCHEMA,
    TRANSVERSE_THEME,
    TextClassifier,
    classify,
    descriptions,
    lexicon,
)
from egn_analytics.text.corpus import (
    SOURCE_LABELS,
    TEXTS_SCHEMA,
    CorpusNotBuiltError,
    find_labels,
    load_labels,
    load_texts,
    read_labels,
)
from egn_analytics.text.coverage import COVERAGE_SCHEMA, coverage
from egn_analytics.text.evaluation import Evaluation, HeldOutReport, evaluate, held_out_evaluation
from egn_analytics.text.keywords import cooccurrences, keywords
from egn_analytics.text.normalise import normalise, segments, tokens_long
from egn_analytics.text.pipeline import TextAnalysis, analyse_corpus
from egn_analytics.text.reinert import ReinertResult, reinert
from egn_analytics.text.search import SearchResult, budgeted_search, search
from egn_analytics.text.specificities import (
    BANALITY,
    SPECIFICITY_SCHEMA,
    specificities,
    term_counts,
)

__all__ = [
    "BANALITY",
    "CLASSIFICATION_SCHEMA",
    "COVERAGE_SCHEMA",
    "SOURCE_LABELS",
    "SPECIFICITY_SCHEMA",
    "TEXTS_SCHEMA",
    "TRANSVERSE_THEME",
    "CorpusNotBuiltError",
    "Evaluation",
    "HeldOutReport",
    "ReinertResult",
    "SearchResult",
    "TextAnalysis",
    "TextClassifier",
    "analyse_corpus",
    "budgeted_search",
    "classify",
    "cooccurrences",
    "coverage",
    "descriptions",
    "evaluate",
    "find_labels",
    "held_out_evaluation",
    "keywords",
    "lexicon",
    "load_labels",
    "load_texts",
    "normalise",
    "read_labels",
    "reinert",
    "search",
    "segments",
    "specificities",
    "term_counts",
    "tokens_long",
]
