"""The ``stockade`` console script: Django's management commands under one name.

``stockade serve``, ``stockade user create …`` and the rest are management commands in the
apps; this module only points Django at Stockade's settings and gives a short overview for
``stockade`` and ``stockade --help``.
"""

from __future__ import annotations

import os
import sys

OVERVIEW = """\
usage: stockade COMMAND [options]

Run the index:
  serve [--host H] [--port P] [--workers N]   migrate if needed and serve the index
Accounts and tokens:
  user create NAME --email E [--password P | --password-stdin] [--admin]
  token create --user NAME [--project P ...] [--expires DURATION] [--name NAME]
Projects:
  yank PROJECT VERSION --reason R              hide a release from resolvers (PEP 592)
  unyank PROJECT VERSION
  remove PROJECT [VERSION [FILENAME]]          delete a project, release or file
  names check NAME... [--as USER]              judge new project names (JSON lines; - reads stdin)
  names import FILE                            load protected names (top-pypi-packages JSON)
Signed metadata (TUF, docs/tuf-operator.md):
  tuf root                                     print root.json for clients
  tuf ceremony --keys-dir DIR                  create offline keys and install a root
  tuf rotate [--keys-dir DIR]                  replace the online key
  tuf publish | refresh | status               sign pending changes, re-sign before expiry
Maintenance:
  publish                                      re-render every simple page
  reindex                                      rebuild the project search index
  migrate, check, shell, …                     Django's own commands

`stockade COMMAND --help` explains one command. Configuration is by STOCKADE_* environment
variables; state lives in STOCKADE_DATA_DIR (default ./stockade-data). See docs/.
"""


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stockade.settings")
    if argv[1:2] != ["serve"]:
        # A command's process ends right after its action: seal before exiting, not in a
        # background thread that would die with it.
        os.environ.setdefault("STOCKADE_AUDIT_SEAL", "inline")
    if len(argv) < 2 or (len(argv) == 2 and argv[1] in {"-h", "--help", "help"}):
        sys.stdout.write(OVERVIEW)
        return
    import django
    from django.core.management import execute_from_command_line

    if argv[1] in _COMMANDS_NEEDING_SCHEMA and not {"-h", "--help"} & set(argv):
        from stockade.dbsetup import migrate_if_needed

        django.setup()
        migrate_if_needed()
    execute_from_command_line(["stockade", *argv[1:]])


# Stockade's own commands work on a fresh data directory: they migrate first.
_COMMANDS_NEEDING_SCHEMA = frozenset(
    {
        "serve",
        "user",
        "token",
        "yank",
        "unyank",
        "remove",
        "publish",
        "audit",
        "reindex",
        "names",
        "tuf",
    }
)


if __name__ == "__main__":
    main()
