"""``stockade remove PROJECT [VERSION [FILENAME]]``."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stockade.audit.services import actor_for_cli
from stockade.packaging.exceptions import PackagingError
from stockade.packaging.services import remove_file, remove_project, remove_release


class Command(BaseCommand):
    help = (
        "Delete a project, one release, or one file. Removed filenames can never be uploaded again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project")
        parser.add_argument("version", nargs="?")
        parser.add_argument("filename", nargs="?")
        parser.add_argument(
            "--yes", action="store_true", help="do not ask for confirmation (for scripts)"
        )

    def handle(
        self, *args, project: str, version: str | None, filename: str | None, yes: bool, **options
    ) -> None:
        what = " ".join(p for p in (project, version, filename) if p)
        if not yes:
            self._confirm(what)
        actor = actor_for_cli()
        try:
            if filename:
                remove_file(
                    actor=actor, project_name=project, version=version or "", filename=filename
                )
            elif version:
                remove_release(actor=actor, project_name=project, version=version)
            else:
                remove_project(actor=actor, project_name=project)
        except PackagingError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(f"Removed {what}")

    def _confirm(self, what: str) -> None:
        if not sys.stdin.isatty():
            raise CommandError("Refusing to delete without confirmation: pass --yes.")
        answer = input(f"Delete {what} for good? Type 'yes' to confirm: ")
        if answer.strip().lower() != "yes":
            raise CommandError("Not removed.")
