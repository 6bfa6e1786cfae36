"""``stockade user create NAME --email E [--password P | --password-stdin] [--admin] [--totp]``."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from stockade.accounts.exceptions import AccountError
from stockade.accounts.models import User
from stockade.accounts.services import create_user
from stockade.audit.services import actor_for_cli
from stockade.mfa.services import enrol_totp_by_operator
from stockade.mfa.totp import provisioning_uri


class Command(BaseCommand):
    help = "Manage user accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser(
            "create",
            help="create a user whose email the operator vouches for",
            description="Create a user. The email counts as verified: the operator vouches for "
            "it. Without a password the account can only use API tokens.",
        )
        create.add_argument("name", help="user name")
        create.add_argument("--email", required=True, help="primary email address")
        secret = create.add_mutually_exclusive_group()
        secret.add_argument(
            "--password", help="password (visible in the process list; prefer --password-stdin)"
        )
        secret.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
        create.add_argument("--admin", action="store_true", help="make the user an administrator")
        create.add_argument(
            "--totp",
            action="store_true",
            help="add an authenticator app and print its secret and recovery codes (uploads "
            "need a second factor under the default STOCKADE_REQUIRE_2FA=publish)",
        )

    def handle(self, *args, action: str, **options) -> None:
        if action == "create":
            self._create(**options)

    def _create(
        self,
        *,
        name: str,
        email: str,
        password: str | None,
        password_stdin: bool,
        admin: bool,
        totp: bool = False,
        **_options,
    ) -> None:
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        try:
            user = create_user(
                actor=actor_for_cli(),
                username=name,
                email=email,
                password=password,
                is_admin=admin,
                email_verified=True,
            )
        except AccountError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(f"Created user {user.username}" + (" (admin)" if admin else ""))
        if totp:
            self._enrol_totp(user)

    def _enrol_totp(self, user: User) -> None:
        secret, codes = enrol_totp_by_operator(actor=actor_for_cli(), user=user)
        uri = provisioning_uri(secret, account=user.username, issuer=settings.SITE_NAME)
        self.stdout.write("Authenticator app: scan or type this into it (shown only now)")
        self.stdout.write(f"  URI: {uri}")
        self.stdout.write(f"  Secret: {secret}")
        self.stdout.write("Recovery codes: each logs in once without the app; keep them safe")
        for code in codes:
            self.stdout.write(f"  {code}")
