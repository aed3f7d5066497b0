"""The one exception hierarchy of rdwatch.

    RdwatchError
    ├── ConfigError (ValueError)      bad or missing configuration; the message names the key path
    ├── StoreError                    the database cannot be opened, migrated or written
    ├── FetchError                    one source or page could not be fetched (url, reason)
    │   └── BlockedAddressError       a URL points at a private or loopback host
    ├── ExtractError                  a page gave no usable text
    └── NotifyError                   a channel could not be built or reached

Batch stages return per-item failures as values; these exceptions cross a stage boundary only when
the whole operation cannot continue, and the CLI turns them into one clear line.
"""

from __future__ import annotations


class RdwatchError(Exception):
    """Root of every error rdwatch raises on purpose; `hint` says what to do about it."""

    hint: str = ""

    def __init__(self, message: str = "", *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class ConfigError(RdwatchError, ValueError):
    """The configuration is missing, unreadable or invalid."""

    hint = "fix the config file (see README 'Configuration reference')"


class StoreError(RdwatchError):
    """The database cannot be reached, migrated or written."""

    hint = "check database_url / RDWATCH_DATABASE_URL and that the database is reachable"


class FetchError(RdwatchError):
    """A URL could not be fetched; carries the URL and a short reason."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class BlockedAddressError(FetchError):
    """The URL resolves to a private, loopback or link-local address."""


class ExtractError(RdwatchError):
    """A page held no extractable article text."""


class NotifyError(RdwatchError):
    """An alert channel is misconfigured or failed."""
