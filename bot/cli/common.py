"""What every command shares: loading the Runtime, and turning the errors a user can fix
into one clear line and exit 2, never a traceback."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar

import click
from sqlalchemy.exc import OperationalError

from bot.runtime import ConfigError, DatabaseUnavailable, MissingSecret, Runtime, config_path_from

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USAGE = 2


AS_OF_OPTION = click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
    default=None,
    help="Evaluate as of this UTC instant (default: now).",
)
"""`--as-of`: the instant an answer is computed at, for commands that look back."""


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print a one-line error to stderr and exit."""
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


def load_runtime(ctx: click.Context) -> Runtime:
    """The Runtime for this invocation; config problems end the command with exit 2."""
    from bot.config import environment_problems

    path = config_path_from(ctx.obj.get("config"), os.environ)
    try:
        runtime = Runtime.load(path)
    except ConfigError as exc:
        report_problems([str(p) for p in exc.problems], "the configuration")
    report_problems([str(p) for p in environment_problems(runtime.environ)], "the environment")
    return runtime


def report_problems(problems: list[str], where: str) -> None:
    """Exit 2 listing `problems`: one on its own line, several under a one-line header."""
    if not problems:
        return
    if len(problems) == 1:
        fail(problems[0])
    click.secho(f"There are {len(problems)} problems in {where}:", fg="red", err=True)
    for problem in problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(EXIT_USAGE)


def terminal_text(mrkdwn: str) -> str:
    """A Slack sentence for the terminal: quotes for code marks, entities undone."""
    text = mrkdwn.replace("`", "'").replace("*", "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def handles_expected_errors(func: F) -> F:
    """Turn the errors a user can fix into one clear line and exit 2, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from bot.answers import QueryError
        from bot.slack.errors import UserError

        try:
            return func(*args, **kwargs)
        except (MissingSecret, DatabaseUnavailable) as exc:
            fail(str(exc))
        except QueryError as exc:
            fail(str(exc))
        except UserError as exc:  # the answer core's refusals, as Slack words them
            fail(terminal_text(str(exc)))
        except OperationalError as exc:  # the database went away after the command opened it
            from bot.runtime.database import reason

            fail(f"the database stopped answering: {reason(exc)}")

    return wrapper  # type: ignore[return-value]
