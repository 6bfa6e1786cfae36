"""The full-text index over ``web_searchentry``, in each engine's own form.

SQLite: an external-content FTS5 table kept in step by triggers, with an index of three-letter
prefixes (what people type first). Django rebuilds an SQLite table to alter it, which drops its
triggers: a later migration that alters SearchEntry must create them again (``stockade
reindex`` then repairs the index).
PostgreSQL: a generated ``tsvector`` column with a GIN index; name words weigh most, then
keywords, then the summary. A text_pattern_ops index serves the name-prefix LIKE.
"""

from django.db import migrations

SQLITE_CREATE = [
    """
    CREATE VIRTUAL TABLE web_searchentry_fts USING fts5(
        name_terms, keywords, summary,
        content='web_searchentry', content_rowid='project_id',
        tokenize='porter unicode61 remove_diacritics 2',
        prefix='3'
    )
    """,
    """
    CREATE TRIGGER web_searchentry_fts_insert AFTER INSERT ON web_searchentry BEGIN
        INSERT INTO web_searchentry_fts(rowid, name_terms, keywords, summary)
        VALUES (new.project_id, new.name_terms, new.keywords, new.summary);
    END
    """,
    """
    CREATE TRIGGER web_searchentry_fts_delete AFTER DELETE ON web_searchentry BEGIN
        INSERT INTO web_searchentry_fts(web_searchentry_fts, rowid, name_terms, keywords, summary)
        VALUES ('delete', old.project_id, old.name_terms, old.keywords, old.summary);
    END
    """,
    """
    CREATE TRIGGER web_searchentry_fts_update AFTER UPDATE ON web_searchentry BEGIN
        INSERT INTO web_searchentry_fts(web_searchentry_fts, rowid, name_terms, keywords, summary)
        VALUES ('delete', old.project_id, old.name_terms, old.keywords, old.summary);
        INSERT INTO web_searchentry_fts(rowid, name_terms, keywords, summary)
        VALUES (new.project_id, new.name_terms, new.keywords, new.summary);
    END
    """,
    "INSERT INTO web_searchentry_fts(web_searchentry_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS web_searchentry_fts_insert",
    "DROP TRIGGER IF EXISTS web_searchentry_fts_delete",
    "DROP TRIGGER IF EXISTS web_searchentry_fts_update",
    "DROP TABLE IF EXISTS web_searchentry_fts",
]

POSTGRES_CREATE = [
    """
    ALTER TABLE web_searchentry ADD COLUMN document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(name_terms, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(keywords, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'C')
    ) STORED
    """,
    "CREATE INDEX web_searchentry_document ON web_searchentry USING gin (document)",
    """
    CREATE INDEX web_searchentry_name_prefix
    ON web_searchentry (normalized_name text_pattern_ops)
    """,
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS web_searchentry_name_prefix",
    "DROP INDEX IF EXISTS web_searchentry_document",
    "ALTER TABLE web_searchentry DROP COLUMN IF EXISTS document",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("web", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
            elidable=False,
        ),
    ]
