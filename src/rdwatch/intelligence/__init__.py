"""Story intelligence: what changed in a story, where its publishers disagree, and who moved.

- `claims`: what an article states that another report could state differently (its main
  amount, headcounts, people's roles, event dates) and the contradictions among a story's
  publishers;
- `changes` and `updates`: the material changes since a channel's last message on a story, and
  when an update alert on them is due (rate-limited per story and channel);
- `timeline`: people's roles (appointed, departed, in post) and organisations' events over time;
- `roles`: job titles compared;
- `record`: the one call ingest makes per stored article, writing its claims and timeline rows;
- `views`: what `stories show`, `people`, `orgs`, alerts and the export read back.

Decisions are pure functions; `record` and `views` are the thin shell over `rdwatch.store`.
"""
