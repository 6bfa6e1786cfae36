"""Bring the database schema up to date before a Stockade command touches it."""

from __future__ import annotations

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def has_unapplied_migrations() -> bool:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def migrate_if_needed() -> bool:
    """Apply pending migrations; return whether any ran. Safe to call from several processes:
    Django's migrate takes the schema editor's locks (on PostgreSQL) and re-checks the plan."""
    if not has_unapplied_migrations():
        return False
    call_command("migrate", interactive=False, verbosity=0)
    return True
