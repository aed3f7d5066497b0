"""The `rdwatch` command line.

Each command parses its options, calls library functions, and prints. Errors a user can cause
(`RdwatchError`) become one line on stderr and exit code 2; unexpected errors show their
traceback only with `--debug`.

This module is the command tree: the root app, `--debug`, and which command or group each
module supplies. The commands live one module per group (`alerts`, `stories`, `sources`,
`database`, `explain`, `replay`, `history` for people and orgs, `run`); what they all use
(console, `--config`) is in `shared`.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from rdwatch.cli import alerts, database, explain, history, replay, run, sources, stories
from rdwatch.errors import RdwatchError
from rdwatch.untrusted import one_line, redact

app = typer.Typer(
    help="Watch the press for Alibaba / DAMO Academy R&D news and alert on what is new.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Listed in this order by `rdwatch --help`.
app.command("run")(run.run)
app.command("serve")(run.serve)
app.command("export")(stories.export)
app.command("explain")(explain.explain_command)
app.command("replay")(replay.replay_command)
app.command("people")(history.people)
app.command("orgs")(history.orgs)
app.command("demo")(run.demo)
app.add_typer(alerts.alerts_app, name="alerts")
app.add_typer(stories.stories_app, name="stories")
app.add_typer(sources.sources_app, name="sources")
app.add_typer(database.archive_app, name="archive")
app.add_typer(database.db_app, name="db")

_state: dict[str, bool] = {"debug": False}


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of unexpected errors.")
    ] = False,
) -> None:
    _state["debug"] = debug


def main() -> None:
    try:
        app()  # usage errors, --help and exit codes are handled by typer itself
    except RdwatchError as exc:
        # A reason may quote a server's answer: one line, no control characters, no password.
        hint = f" — {exc.hint}" if exc.hint else ""
        sys.stderr.write(f"rdwatch: error: {one_line(redact(str(exc)))}{hint}\n")
        sys.exit(2)
    except Exception:
        if _state["debug"]:
            raise
        error = sys.exc_info()[1]
        sys.stderr.write(
            f"rdwatch: unexpected error: {type(error).__name__}: {one_line(redact(str(error)))} "
            "(run with --debug for the traceback)\n"
        )
        sys.exit(1)
