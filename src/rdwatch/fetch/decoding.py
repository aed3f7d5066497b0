"""Response bodies within the size cap: Content-Encoding decoded a bounded piece at a time.

httpx decodes each network chunk in one call, so 850 bytes of Brotli can become 1 GiB before any
size check sees it. Here every decoder hands out its output in pieces of about `PIECE` bytes and
only decompresses more when the caller asks for the next piece: the caller counts decoded bytes
and stops at its cap, with memory bounded by the cap, one piece and the decoders' own windows.

`read_body` reads a body this way and stops at the cap, counted both on the wire and decoded.

Offered and decoded: gzip, deflate (zlib-wrapped or raw, as browsers accept), br. Anything else
(zstd, compress, …) is refused rather than passed on as if it were the body, and at most
`MAX_LAYERS` layered encodings are accepted ("gzip, br"): each layer keeps its own window, and a
long stack is never a real server's answer.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from typing import Protocol

import brotli
import httpx

from rdwatch.errors import FetchError

PIECE = 64 * 1024
MAX_LAYERS = 2
ACCEPT_ENCODING = "gzip, deflate, br"


class DecodeError(ValueError):
    """The body's encoding is unsupported or its compressed data is corrupt."""


class Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]:
        """The output `data` decodes to, a piece at a time, decoded as the pieces are taken."""
        ...

    def finish(self) -> Iterator[bytes]:
        """Whatever output is left once the input has ended."""
        ...


class _Identity:
    def feed(self, data: bytes) -> Iterator[bytes]:
        if data:
            yield data

    def finish(self) -> Iterator[bytes]:
        return iter(())


class _Zlib:
    """gzip (`wbits` 31) or deflate (zlib-wrapped first, raw deflate if the header says not)."""

    def __init__(self, wbits: int, *, raw_fallback: bool = False) -> None:
        self._inflater = zlib.decompressobj(wbits)
        self._raw_fallback = raw_fallback
        self._produced = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            yield from self._inflate(data)
        except zlib.error as exc:
            # A server saying "deflate" may send raw deflate: a zlib header error comes on the
            # first bytes, before any output, and the same bytes are then read as raw deflate.
            if not self._raw_fallback or self._produced:
                raise DecodeError(f"corrupt compressed data ({exc})") from None
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            self._raw_fallback = False
            yield from self.feed(data)

    def _inflate(self, data: bytes) -> Iterator[bytes]:
        pending = data
        while not self._inflater.eof:
            out = self._inflater.decompress(pending, PIECE)
            if out:
                self._produced = True
                yield out
            pending = self._inflater.unconsumed_tail
            # Less than a full piece with no input left: everything this input holds is out.
            if not pending and len(out) < PIECE:
                return

    def finish(self) -> Iterator[bytes]:
        # `_inflate` drained all the output its input allowed; a truncated stream yields no more
        # (as httpx does: the parser then works with what arrived).
        return iter(())


class _Brotli:
    def __init__(self) -> None:
        self._decompressor = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        # With a limit, `process` returns about that much and keeps the rest of the output for
        # the next calls (with empty input) until one returns nothing.
        chunk = data
        while True:
            try:
                out = self._decompressor.process(chunk, output_buffer_limit=PIECE)
            except brotli.error as exc:
                raise DecodeError(f"corrupt compressed data ({exc})") from None
            chunk = b""
            if not out:
                return
            yield out

    def finish(self) -> Iterator[bytes]:
        return iter(())


class _Layers:
    """Several encodings, undone in reverse order of application, each bounded."""

    def __init__(self, decoders: Sequence[Decoder]) -> None:
        self._decoders = list(decoders)

    def feed(self, data: bytes) -> Iterator[bytes]:
        return self._through(0, data)

    def _through(self, layer: int, data: bytes) -> Iterator[bytes]:
        if layer == len(self._decoders):
            yield data
            return
        for piece in self._decoders[layer].feed(data):
            yield from self._through(layer + 1, piece)

    def finish(self) -> Iterator[bytes]:
        for layer, decoder in enumerate(self._decoders):
            for piece in decoder.finish():
                yield from self._through(layer + 1, piece)


def _one(name: str) -> Decoder:
    if name in ("gzip", "x-gzip"):
        return _Zlib(zlib.MAX_WBITS | 16)
    if name == "deflate":
        return _Zlib(zlib.MAX_WBITS, raw_fallback=True)
    if name == "br":
        return _Brotli()
    raise DecodeError(f"unsupported Content-Encoding {name!r} (rdwatch accepts {ACCEPT_ENCODING})")


def decoder_for(content_encoding: str | None) -> Decoder:
    """A bounded decoder for a Content-Encoding header value (None or empty: the body as is)."""
    names = [n.strip().lower() for n in (content_encoding or "").split(",") if n.strip()]
    names = [n for n in names if n != "identity"]
    if not names:
        return _Identity()
    if len(names) > MAX_LAYERS:
        raise DecodeError(f"{len(names)} layered Content-Encodings (at most {MAX_LAYERS})")
    decoders = [_one(name) for name in reversed(names)]
    return decoders[0] if len(decoders) == 1 else _Layers(decoders)


async def read_body(url: str, response: httpx.Response, max_bytes: int) -> bytes:
    """The decoded body, or FetchError once it passes `max_bytes` as sent or as decoded."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(url, f"response larger than {max_bytes} bytes")
    try:
        decoder = decoder_for(response.headers.get("content-encoding"))
    except DecodeError as exc:
        raise FetchError(url, str(exc)) from None
    pieces: list[bytes] = []
    received = size = 0
    try:
        async for chunk in response.aiter_raw():
            received += len(chunk)
            if received > max_bytes:
                raise FetchError(url, f"response larger than {max_bytes} bytes")
            for piece in decoder.feed(chunk):
                size += len(piece)
                if size > max_bytes:
                    raise FetchError(url, f"response larger than {max_bytes} bytes (decoded)")
                pieces.append(piece)
        for piece in decoder.finish():
            size += len(piece)
            if size > max_bytes:
                raise FetchError(url, f"response larger than {max_bytes} bytes (decoded)")
            pieces.append(piece)
    except DecodeError as exc:
        raise FetchError(url, f"could not decode the compressed body: {exc}") from None
    return b"".join(pieces)


async def drain_body(response: httpx.Response, limit: int) -> None:
    """Read and drop a body nobody needs, so its connection can be reused; past `limit` bytes,
    give up (the connection is then closed instead)."""
    drained = 0
    async for chunk in response.aiter_raw():
        drained += len(chunk)
        if drained > limit:
            return
