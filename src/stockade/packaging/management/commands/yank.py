"""``stockade yank PROJECT VERSION --reason R``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stockade.audit.services import actor_for_cli
from stockade.packaging.exceptions import PackagingError
from stockade.packaging.services import set_release_yanked


class Command(BaseCommand):
    help = "Yank a release (PEP 592): installers skip it unless it is pinned with ==."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project")
        parser.add_argument("version")
        parser.add_argument("--reason", default="", help="shown to users of the release")

    def handle(self, *args, project: str, version: str, reason: str, **options) -> None:
        try:
            release = set_release_yanked(
                actor=actor_for_cli(),
                project_name=project,
                version=version,
                yanked=True,
                reason=reason,
            )
        except PackagingError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(f"Yanked {release}")
