"""Bounded Content-Encoding decoding: right bytes out, never more than a piece at a time."""

from __future__ import annotations

import gzip
import itertools
import zlib

import brotli
import pytest

from rdwatch.fetch.decoding import PIECE, DecodeError, decoder_for
from tests.fetch.servers import brotli_bomb, gzip_bomb

TEXT = b"".join(b"<item>DAMO Academy story %d</item>" % n for n in range(20_000))


def _deflate(data: bytes, wbits: int) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return compressor.compress(data) + compressor.flush()


ENCODED = {
    "gzip": gzip.compress(TEXT),
    "deflate": _deflate(TEXT, zlib.MAX_WBITS),  # zlib-wrapped, as the RFC says
    "br": brotli.compress(TEXT),
}


def _decode(encoding: str, body: bytes, chunk: int = 1000) -> bytes:
    decoder = decoder_for(encoding)
    out = [p for start in range(0, len(body), chunk) for p in decoder.feed(body[start:][:chunk])]
    return b"".join([*out, *decoder.finish()])


@pytest.mark.parametrize("encoding", sorted(ENCODED))
def test_each_offered_encoding_decodes(encoding: str) -> None:
    assert _decode(encoding, ENCODED[encoding]) == TEXT


def test_raw_deflate_is_accepted_as_deflate() -> None:
    assert _decode("deflate", _deflate(TEXT, -zlib.MAX_WBITS)) == TEXT


def test_layered_encodings_are_undone_in_reverse_order() -> None:
    body = brotli.compress(gzip.compress(TEXT))  # gzip applied first, then br
    assert _decode("gzip, br", body) == TEXT
    assert _decode("identity", TEXT) == TEXT and _decode("", TEXT) == TEXT


@pytest.mark.parametrize(
    ("encoding", "wbits"), [("br", None), ("gzip", 31), ("deflate", 15), ("deflate", -15)]
)
def test_a_bomb_comes_out_a_piece_at_a_time(encoding: str, wbits: int | None) -> None:
    """The whole bomb goes in at once; only the pieces taken are ever decoded."""
    size = 100_000_000
    body = brotli_bomb(size) if wbits is None else gzip_bomb(size, wbits=wbits)
    pieces = list(itertools.islice(decoder_for(encoding).feed(body), 5))
    assert len(pieces) == 5
    assert all(0 < len(p) <= 2 * PIECE for p in pieces), [len(p) for p in pieces]


@pytest.mark.parametrize(
    ("encoding", "message"),
    [
        ("zstd", "unsupported Content-Encoding 'zstd'"),
        ("compress", "unsupported Content-Encoding 'compress'"),
        ("gzip, gzip, gzip", "3 layered Content-Encodings (at most 2)"),
    ],
)
def test_unsupported_or_stacked_encodings_are_refused(encoding: str, message: str) -> None:
    with pytest.raises(DecodeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        decoder_for(encoding)


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_corrupt_data_is_a_decode_error(encoding: str) -> None:
    with pytest.raises(DecodeError, match="corrupt compressed data"):
        _decode(encoding, b"this is not compressed at all" * 10)
