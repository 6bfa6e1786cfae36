"""``stockade token create --user NAME [--project P ...] [--expires DURATION]``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from stockade.accounts.exceptions import AccountError
from stockade.accounts.services import get_user
from stockade.audit.services import actor_for_cli
from stockade.tokens.durations import parse_expiry
from stockade.tokens.services import issue_token


class Command(BaseCommand):
    help = "Manage API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser(
            "create",
            help="create a token and print it (only this once)",
            description="Create an API token for uploads (username __token__, password the "
            "token) and print it on standard output. It is shown only once.",
        )
        create.add_argument("--user", required=True, help="the user the token acts for")
        create.add_argument(
            "--project",
            action="append",
            default=[],
            metavar="P",
            help="limit the token to this project (repeat for several); "
            "default: all of the user's projects",
        )
        create.add_argument(
            "--expires", metavar="DURATION", help="expiry: 30d, 12h, 90m, 2w or an ISO 8601 time"
        )
        create.add_argument("--name", default="", help="a label to recognise the token by")

    def handle(self, *args, action: str, **options) -> None:
        if action == "create":
            self._create(**options)

    def _create(
        self, *, user: str, project: list[str], expires: str | None, name: str, **_options
    ) -> None:
        now = timezone.now()
        try:
            owner = get_user(user)
            expiry = parse_expiry(expires, now=now) if expires else None
        except (AccountError, ValueError) as e:
            raise CommandError(str(e)) from e
        label = name or f"created on the command line {now:%Y-%m-%d %H:%M}"
        _token, secret = issue_token(
            actor=actor_for_cli(),
            user=owner,
            name=label,
            projects=project,
            expires=expiry,
        )
        self.stdout.write(secret)
