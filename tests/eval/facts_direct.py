"""Fast fact-extraction loop on the corpus: `extract_facts` on each article's title and text,
scored per group, without serving or storing anything (the full measure is `run_eval.py`, which
reads the facts back from `rdwatch export`).

    .venv/bin/python -m tests.eval.facts_direct [--part dev|heldout] [--lang en|all] [--misses]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from rdwatch.facts import extract_facts, load_gazetteer, load_rates
from tests.eval.corpus import ROOT, load_corpus, select
from tests.eval.facts_score import format_table, load_judgements, score_facts

JUDGED = Path(__file__).with_name("judged.yaml")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("dev", "heldout"), default="dev")
    parser.add_argument("--lang", choices=("en", "all"), default="all")
    parser.add_argument("--misses", action="store_true", help="list missed and wrong facts")
    args = parser.parse_args()
    gazetteer = load_gazetteer(ROOT / "config" / "gazetteer.yaml")
    rates = load_rates(ROOT / "config" / "rates.yaml")
    articles = select(load_corpus(), args.part, english_only=args.lang == "en")
    facts = {
        a.id: [
            f.to_dict()
            for f in extract_facts(
                a.text, title=a.title, gazetteer=gazetteer, rates=rates, published=a.published
            )
        ]
        for a in articles
    }
    judged = load_judgements(yaml.safe_load(JUDGED.read_text()) if JUDGED.exists() else None)
    scores = score_facts(articles, facts, judged)
    print(f"{args.part}, {args.lang}: {len(articles)} articles")
    print(format_table(scores))
    if args.misses:
        print("\nmissed:")
        print("\n".join(scores["all"].misses))
        print("\njudged wrong:")
        print("\n".join(scores["all"].wrong))


if __name__ == "__main__":
    main()
