"""What happened, in the outlet's own words: a two-sentence lead taken from the best article.

Extractive and deterministic, no model. Among the article's opening sentences, the first pick is
the one telling most of the main fact (the top key fact), a watched entity and the other key
facts; the second adds most of what the first did not tell. Earlier sentences win ties, since
news puts the event first. The chosen sentences are shown in the article's order. A sentence
repeating the headline, a byline or a dateline tells none of those and is not chosen.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cache

from rdwatch.facts.sentences import prepare_text, sentences_of

LEAD_SENTENCES = 2
SCANNED_SENTENCES = 15  # the event is told in the opening paragraphs
MAX_SENTENCE_CHARS = 320
MIN_SENTENCE_CHARS = 25  # shorter is a caption, a byline or a fragment
MIN_CHINESE_SENTENCE_CHARS = 8  # a Chinese character carries about a word
_SENTENCE_ENDS = (".", "!", "?", "。", "！", "？", '"', "”", "'", "’")
# Weights of what a sentence tells, each counted once over the lead: the main fact makes a
# sentence the lead; a watched entity says whose news it is; the headline's words, shared out
# among them, tell the event when no fact names it; each further key fact adds detail
# (higher-ranked facts slightly more). Position breaks ties in favour of the opening.
MAIN_FACT, WATCHED, HEADLINE, OTHER_FACT, POSITION = 3.0, 2.0, 3.0, 1.0, 0.1
_STOPWORDS = frozenset(
    ("with", "that", "this", "from", "have", "will", "into", "after", "over", "their", "more",
     "than", "says", "said", "about", "what", "when", "where", "which", "while", "amid", "your",
     "been", "were", "also", "just", "year", "years")
)  # fmt: skip


@dataclass(frozen=True)
class LeadTargets:
    """What a lead sentence should carry. Texts are matched as written in the article (fact
    texts); `fact_sentences` are sentences facts were found in, matched whole (for names
    written in a form the watched names do not match, such as Chinese)."""

    watched: Sequence[str] = ()
    main: Sequence[str] = ()
    others: Sequence[str] = ()
    watched_sentences: Collection[str] = field(default_factory=frozenset)


def extract_lead(text: str, headline: str, targets: LeadTargets) -> str:
    sentences = [s.text for s in sentences_of(prepare_text(text))][:SCANNED_SENTENCES]
    title = _normal(headline)
    usable = [s for s in sentences if _long_enough(s) and _normal(s) != title]
    terms = _terms(headline)
    carried = [_carried(s, targets, terms) for s in usable]
    weights = _weights(targets, terms)
    chosen: list[int] = []
    covered: set[str] = set()
    for _ in range(LEAD_SENTENCES):
        best = _best(carried, weights, covered, chosen)
        if best is None:
            break
        chosen.append(best)
        covered |= carried[best]
    if not chosen:  # nothing to look for: the opening sentences, not a byline or a caption
        chosen = [i for i, s in enumerate(usable) if s.endswith(_SENTENCE_ENDS)][:LEAD_SENTENCES]
    return _join([_shorten(usable[i]) for i in sorted(chosen)])


def _best(
    carried: Sequence[set[str]], weights: dict[str, float], covered: set[str], chosen: list[int]
) -> int | None:
    """The sentence adding most of what is not told yet; earlier sentences win ties."""
    best, best_score = None, 0.0
    for index, targets in enumerate(carried):
        gain = sum(weights[t] for t in targets - covered)
        score = gain - POSITION * index if gain else 0.0
        if index not in chosen and score > best_score:
            best, best_score = index, score
    return best


def _weights(targets: LeadTargets, headline_terms: set[str]) -> dict[str, float]:
    """Main fact, watched entity, headline words, then the other key facts in rank order."""
    weights = {"main": MAIN_FACT, "watched": WATCHED}
    weights |= {f"headline:{t}": HEADLINE / len(headline_terms) for t in headline_terms}
    for rank, other in enumerate(targets.others):
        weights.setdefault(f"fact:{other.lower()}", max(OTHER_FACT, 1.5 - 0.1 * rank))
    return weights


def _carried(sentence: str, targets: LeadTargets, headline_terms: set[str]) -> set[str]:
    lowered = sentence.lower()
    found = {f"fact:{o.lower()}" for o in targets.others if o and o.lower() in lowered}
    found |= {f"headline:{t}" for t in _terms(sentence) & headline_terms}
    if any(m and m.lower() in lowered for m in targets.main):
        found.add("main")
    watched = _watched_pattern(tuple(targets.watched))
    if (watched is not None and watched.search(sentence)) or sentence in targets.watched_sentences:
        found.add("watched")
    return found


@cache
def _watched_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    """A watched name or its first word ("DAMO" for DAMO Academy, "Alibaba" for Alibaba Cloud)."""
    terms = {t for n in names for t in (n, n.split()[0] if n.split() else n) if len(t) >= 3}
    if not terms:
        return None
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _terms(text: str) -> set[str]:
    """Content words (four letters or more, not function words) and pairs of Chinese
    characters, which stand in for words in a language written without spaces."""
    lowered = text.lower()
    words = {w for w in re.findall(r"[^\W\d_]{4,}", lowered) if not _has_cjk(w)}
    cjk = [run for run in re.findall(r"[\u3400-\u9fff]+", lowered)]
    pairs = {run[i : i + 2] for run in cjk for i in range(len(run) - 1)}
    return (words - _STOPWORDS) | pairs


def _has_cjk(word: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" for c in word)


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _join(sentences: list[str]) -> str:
    """Sentences joined as their language writes them: no space after a Chinese full stop."""
    text = ""
    for sentence in sentences:
        chinese_end = text.endswith(("。", "！", "？", "”")) and _is_cjk(text[-2])
        text = f"{text}{'' if not text or chinese_end else ' '}{sentence}"
    return text


def _long_enough(sentence: str) -> bool:
    cjk = sum(1 for c in sentence if _is_cjk(c))
    return len(sentence) >= (MIN_CHINESE_SENTENCE_CHARS if cjk > 4 else MIN_SENTENCE_CHARS)


def _is_cjk(char: str) -> bool:
    return "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"


def _shorten(sentence: str) -> str:
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return sentence
    cut = sentence[:MAX_SENTENCE_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
