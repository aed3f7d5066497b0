"""dedup index v2: v2 content hashes, 32 × 4 LSH bands

Normalisation now drops short furniture lines (hash version v2) and the LSH index uses 32 bands of
4 rows instead of 16 × 8 (rdwatch.dedup.minhash), so stored hashes, signatures and band rows are
recomputed from the stored text. No table changes. This data migration uses the dedup code of the
installed rdwatch and its default shingle sizes; a later change to either gets its own rebuild
migration.

Revision ID: 0002_dedup_v2
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rdwatch import dedup

revision = "0002_dedup_v2"
down_revision = "0001"
branch_labels = None
depends_on = None

_BATCH = 500
_articles = sa.table(
    "articles",
    sa.column("id", sa.Integer),
    sa.column("text", sa.Text),
    sa.column("status", sa.String),
    sa.column("content_hash", sa.String),
    sa.column("signature", sa.LargeBinary),
)
_bands = sa.table(
    "lsh_bands",
    sa.column("article_id", sa.Integer),
    sa.column("band", sa.Integer),
    sa.column("band_hash", sa.BigInteger),
)


def upgrade() -> None:
    connection = op.get_bind()
    connection.execute(sa.delete(_bands))
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(_articles.c.id, _articles.c.text, _articles.c.status)
            .where(_articles.c.id > last_id)
            .order_by(_articles.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        band_rows: list[dict[str, object]] = []
        for article_id, text, status in rows:
            prints = dedup.fingerprint(text)
            connection.execute(
                sa.update(_articles)
                .where(_articles.c.id == article_id)
                .values(
                    content_hash=prints.text_hash,
                    signature=dedup.pack_signature(prints.signature),
                )
            )
            if status != "duplicate":  # duplicates are answered for by their original
                band_rows.extend(
                    {"article_id": article_id, "band": band, "band_hash": value}
                    for band, value in dedup.band_hashes(prints.signature)
                )
        if band_rows:
            connection.execute(sa.insert(_bands), band_rows)
        last_id = rows[-1].id


def downgrade() -> None:
    # The v1 index cannot be rebuilt by this code; an empty index only costs recall until the
    # articles are re-ingested.
    op.get_bind().execute(sa.delete(_bands))
