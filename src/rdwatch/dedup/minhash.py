"""MinHash signatures (rensa) and their LSH band hashes.

The band hashes live in the indexed `lsh_bands` table, so every process and worker queries the same
index and a restart needs no rebuild. The index only proposes candidates; each one is checked with
its estimated Jaccard, and the close ones with their exact shingle overlap (see `near`).

Banding, 128 permutations: with b bands of r rows a pair at Jaccard J becomes a candidate with
probability 1 − (1 − J^r)^b. Measured on the reprint fixtures in tests/data/dedup (word 3-shingles),
reprints sit at J 0.72–0.90 because boilerplate and dropped paragraphs count against them:

| bands × rows | 50 % point | P(J=0.5) | P(J=0.7) | P(J=0.05, unrelated) |
|--------------|-----------:|---------:|---------:|---------------------:|
| 16 × 8       | 0.71       | 0.06     | 0.61     | 6e-10                |
| 32 × 4       | 0.42       | 0.87     | 1.00     | 2e-4                 |
| 64 × 2       | 0.13       | 1.00     | 1.00     | 0.15                 |

32 × 4 queries the index at a lower threshold than the 0.8 decision (measured here: trust the
verified estimate, not the band choice) while keeping unrelated articles out of the candidate list.
"""

from __future__ import annotations

import functools
import hashlib
import operator
from array import array
from collections.abc import Iterable, Sequence

from rensa import RMinHash

NUM_PERM = 128
BANDS = 32
ROWS_PER_BAND = NUM_PERM // BANDS
MINHASH_SEED = 20171011


def minhash_signature(shingle_set: Iterable[str]) -> tuple[int, ...]:
    minhash = RMinHash(num_perm=NUM_PERM, seed=MINHASH_SEED)
    minhash.update(list(shingle_set))  # MinHash takes minima: the order is irrelevant
    return tuple(minhash.digest())


def pack_signature(signature: Sequence[int]) -> bytes:
    return array("I", signature).tobytes()


def unpack_signature(data: bytes) -> tuple[int, ...]:
    values = array("I")
    values.frombytes(data)
    return tuple(values)


def estimate_jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    """The fraction of equal MinHash values: an unbiased estimate of the Jaccard similarity."""
    if not a or len(a) != len(b):
        return 0.0
    # map(operator.eq) runs the comparison loop in C: ~2× a generator, and this runs for every
    # candidate of every decision.
    return sum(map(operator.eq, a, b)) / len(a)


def band_hashes(signature: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """(band, signed 64-bit hash) per LSH band; the band number is folded into the hash."""
    return _band_hashes(tuple(signature))


# A batch asks for an article's bands up to four times (its lookups, its decision, and storing
# it), and 32 digests per article were 5 % of a first poll.
@functools.lru_cache(maxsize=4096)
def _band_hashes(signature: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    result = []
    for band in range(BANDS):
        rows = signature[band * ROWS_PER_BAND : (band + 1) * ROWS_PER_BAND]
        payload = array("I", [band, *rows]).tobytes()
        digest = hashlib.blake2b(payload, digest_size=8).digest()
        result.append((band, int.from_bytes(digest, "big", signed=True)))
    return tuple(result)
