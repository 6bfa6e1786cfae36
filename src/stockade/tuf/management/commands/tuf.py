"""``stockade tuf …``: the operator's side of the TUF repository (docs/tuf-operator.md)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from securesystemslib.signer import Signer

from stockade.packaging import blobs
from stockade.tuf import keys, roots, services, store
from stockade.tuf.exceptions import TufError


class Command(BaseCommand):
    help = "Manage the TUF repository: root, ceremony, rotate, publish, refresh, status."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("root", help="print the current root.json, for clients (--root)")
        ceremony = sub.add_parser(
            "ceremony", help="create offline root and targets keys and install a root using them"
        )
        ceremony.add_argument(
            "--keys-dir", type=Path, required=True, help="an empty directory on offline media"
        )
        ceremony.add_argument("--root-keys", type=int, default=3)
        ceremony.add_argument("--root-threshold", type=int, default=2)
        ceremony.add_argument("--targets-keys", type=int, default=2)
        ceremony.add_argument("--targets-threshold", type=int, default=1)
        ceremony.add_argument(
            "--previous-keys-dir",
            type=Path,
            help="the previous root's keys (default: the development keys on the server)",
        )
        rotate = sub.add_parser("rotate", help="replace the online key; re-sign everything")
        rotate.add_argument(
            "--keys-dir", type=Path, help="the offline root and targets keys (default: development)"
        )
        rotate.add_argument(
            "--new-key-uri",
            help="a signer URI for the new online key (KMS, HSM, Vault); default: a new key file",
        )
        rotate.add_argument(
            "--new-public-key", type=Path, help="its public key (JSON), with --new-key-uri"
        )
        sub.add_parser("publish", help="sign every pending change now")
        sub.add_parser(
            "refresh",
            help="sign anything still pending; re-sign online roles expiring within 12 h (cron)",
        )
        sub.add_parser("status", help="versions and expiry of the signed roles")

    def handle(self, *args, action: str, **options) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except TufError as err:
            raise CommandError(str(err)) from err

    def _root(self, **options) -> None:
        try:
            sys.stdout.buffer.write(blobs.read_bytes(store.metadata_path("root")))
        except FileNotFoundError as err:
            raise CommandError("No TUF root yet: run `stockade tuf ceremony`.") from err

    def _ceremony(self, *, keys_dir: Path, previous_keys_dir: Path | None, **options) -> None:
        root = roots.run_ceremony(
            keys_dir=keys_dir,
            root_keys=options["root_keys"],
            root_threshold=options["root_threshold"],
            targets_keys=options["targets_keys"],
            targets_threshold=options["targets_threshold"],
            previous_keys_dir=previous_keys_dir,
            bins=settings.STOCKADE_TUF_BINS,
        )
        self.stdout.write(
            f"Installed root version {root.signed.version}. The offline keys are in {keys_dir}: "
            "move them off this server now, and give clients the output of `stockade tuf root`."
        )

    def _rotate(
        self,
        *,
        keys_dir: Path | None,
        new_key_uri: str | None,
        new_public_key: Path | None,
        **options,
    ) -> None:
        signer = None
        if new_key_uri:
            if new_public_key is None:
                raise CommandError("--new-key-uri needs --new-public-key.")
            public = keys.read_public_key(new_public_key)
            signer = Signer.from_priv_key_uri(new_key_uri, public)
        root = roots.rotate_online_key(
            offline_keys_dir=keys_dir or keys.development_keys_dir(), new_signer=signer
        )
        self.stdout.write(f"Rotated the online key; root is now version {root.signed.version}.")
        if signer is not None:
            self.stdout.write(
                "Now set STOCKADE_TUF_ONLINE_KEY to the new URI and restart every server."
            )

    def _publish(self, **options) -> None:
        result = services.publish_pending()
        if result is None:
            self.stdout.write("Nothing to publish (or another publisher is running).")
        else:
            self.stdout.write(
                f"Published snapshot {result.snapshot_version}: {result.changes} change(s)."
            )

    def _refresh(self, **options) -> None:
        # Also a safety net: anything left queued (a publisher that died) is signed here.
        services.publish_pending()
        result = services.refresh_expiring()
        if result is not None:
            self.stdout.write(f"Re-signed {result.bins} bin(s), snapshot and timestamp.")
        for role, expires in services.offline_roles_expiring():
            self.stderr.write(
                f"WARNING: {role} expires {expires:%Y-%m-%d}; re-sign it with the offline keys "
                "(`stockade tuf ceremony`)."
            )

    def _status(self, **options) -> None:
        state = services.load_state()
        for md in (state.root, state.targets, state.snapshot, state.timestamp):
            self.stdout.write(
                f"{md.signed.type:<10} v{md.signed.version:<6} expires {md.signed.expires:%Y-%m-%d %H:%M} UTC"
            )
        self.stdout.write(f"bins       {len(state.snapshot.signed.meta) - 1}")
        if roots.is_development_root():
            self.stdout.write("DEVELOPMENT ROOT: the offline keys are on this server.")
