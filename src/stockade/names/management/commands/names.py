"""``stockade names check|import|refresh|prohibit|allow``: the name policy from the shell."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from stockade.audit.actors import actor_for_cli
from stockade.names import services
from stockade.names.exceptions import NamePolicyError


class Command(BaseCommand):
    help = "Judge new project names and manage protected, prohibited and allowed names."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        check = actions.add_parser(
            "check",
            help="print the decision on each name, one JSON object per line",
            description="For each NAME print {name, decision, rule, resembles}: decision is "
            "allow, hold or refuse. NAME - reads names from standard input, one a line.",
        )
        check.add_argument("names", nargs="+", metavar="NAME")
        check.add_argument("--as", dest="username", metavar="USER", help="judge as this user")
        load = actions.add_parser(
            "import",
            help="replace the imported protected names with a list",
            description="FILE is the public top-pypi-packages JSON (project, download_count), "
            "a JSON array of names, or one name per line; - reads standard input.",
        )
        load.add_argument("file", metavar="FILE")
        load.add_argument("--limit", type=int, help="keep only the first N names")
        refresh = actions.add_parser(
            "refresh", help="protect this index's most depended-upon projects"
        )
        refresh.add_argument(
            "--top", type=int, help="how many (default: STOCKADE_NAMES_DEPENDENCY_PROTECTED)"
        )
        prohibit = actions.add_parser("prohibit", help="prohibit a name for new projects")
        prohibit.add_argument("name", metavar="NAME")
        prohibit.add_argument("--reason", default="")
        allow = actions.add_parser("allow", help="add an exception: allow a name despite the rules")
        allow.add_argument("name", metavar="NAME")
        allow.add_argument("--user", metavar="USER", help="only for this user (default: anyone)")
        allow.add_argument("--note", default="")

    def handle(self, *args, **options) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except NamePolicyError as e:
            raise CommandError(str(e)) from e

    def _check(self, options: dict) -> None:
        user = _find_user(options["username"]) if options["username"] else None
        for name in _names(options["names"]):
            verdict = services.check_project_name(name=name, user=user)
            self.stdout.write(json.dumps(verdict.to_dict()))

    def _import(self, options: dict) -> None:
        path = options["file"]
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except OSError as e:
            raise CommandError(f"Cannot read {path}: {e.strerror}") from e
        pairs = services.parse_protected_list(text)
        count = services.import_protected_names(pairs=pairs, limit=options["limit"])
        self.stdout.write(f"Imported {count} protected names.")

    def _refresh(self, options: dict) -> None:
        count = services.refresh_dependency_protected_names(top=options["top"])
        self.stdout.write(f"Protected {count} most depended-upon projects.")

    def _prohibit(self, options: dict) -> None:
        services.add_prohibited_name(
            actor=actor_for_cli(), name=options["name"], reason=options["reason"]
        )
        self.stdout.write(f"Prohibited {options['name']}.")

    def _allow(self, options: dict) -> None:
        user = _find_user(options["user"]) if options["user"] else None
        services.add_exception(
            actor=actor_for_cli(), name=options["name"], user=user, note=options["note"]
        )
        self.stdout.write(f"Allowed {options['name']} for {user.username if user else 'anyone'}.")


def _find_user(username: str):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user named {username!r}.")
    return user


def _names(arguments: list[str]) -> Iterator[str]:
    for argument in arguments:
        if argument == "-":
            yield from (line.strip() for line in sys.stdin if line.strip())
        else:
            yield argument
