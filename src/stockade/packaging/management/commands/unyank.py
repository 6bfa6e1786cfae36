"""``stockade unyank PROJECT VERSION``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stockade.audit.services import actor_for_cli
from stockade.packaging.exceptions import PackagingError
from stockade.packaging.services import set_release_yanked


class Command(BaseCommand):
    help = "Undo a yank: the release is offered to installers again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project")
        parser.add_argument("version")

    def handle(self, *args, project: str, version: str, **options) -> None:
        try:
            release = set_release_yanked(
                actor=actor_for_cli(), project_name=project, version=version, yanked=False
            )
        except PackagingError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(f"Unyanked {release}")
