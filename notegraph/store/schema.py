"""The index schema, as migrations (sqlite-utils ``Migrations``).

Block rows are keyed by an integer ``rowid`` that survives edits elsewhere in the
file and renames of the file: the child tables (refs, tags, properties, block
refs) and FTS point at it. ``id`` is the parser's stable block id.

Bulk loads (a first index, a checkout touching hundreds of files) set the
:data:`DEFERRED_INDEXES` and :data:`FULLTEXT_TRIGGERS` aside and build them once
at the end: inserting into a random-order B-tree or the full-text index row by
row costs several times more than building it in one pass.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database, Migrations

SCHEMA_NAME = "notegraph"
migrations = Migrations(SCHEMA_NAME)


def run_script(db: Database, script: str) -> None:
    """Run SQL statements one by one, inside the caller's transaction (executescript would commit)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement[:80]}")


# Indexes a bulk load drops and re-creates: name → definition.
DEFERRED_INDEXES = {
    "blocks_id": "CREATE INDEX IF NOT EXISTS blocks_id ON blocks(id)",
    "blocks_page": "CREATE INDEX IF NOT EXISTS blocks_page ON blocks(page_key, position)",
    "refs_page": "CREATE INDEX IF NOT EXISTS refs_page ON refs(page_key, block)",
    "tags_tag": "CREATE INDEX IF NOT EXISTS tags_tag ON tags(tag, block)",
    "block_refs_target": "CREATE INDEX IF NOT EXISTS block_refs_target ON block_refs(target, block)",
    "properties_key": "CREATE INDEX IF NOT EXISTS properties_key ON properties(key, value)",
}

FULLTEXT_TRIGGERS = {
    "blocks_ai": """CREATE TRIGGER IF NOT EXISTS blocks_ai AFTER INSERT ON blocks BEGIN
            INSERT INTO blocks_fts(rowid, text) VALUES (new.rowid, new.text);
        END""",
    "blocks_ad": """CREATE TRIGGER IF NOT EXISTS blocks_ad AFTER DELETE ON blocks BEGIN
            INSERT INTO blocks_fts(blocks_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
        END""",
    # only a change of the searchable text touches the full-text index
    "blocks_au": """CREATE TRIGGER IF NOT EXISTS blocks_au AFTER UPDATE OF text ON blocks BEGIN
            INSERT INTO blocks_fts(blocks_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
            INSERT INTO blocks_fts(rowid, text) VALUES (new.rowid, new.text);
        END""",
}


@migrations()
def m001_initial(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE files (
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            page_key TEXT,
            error TEXT
        );
        CREATE TABLE pages (
            rowid INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            file TEXT NOT NULL,
            journal_day INTEGER,
            namespace TEXT,
            properties TEXT NOT NULL DEFAULT '{}',
            aliases TEXT NOT NULL DEFAULT '[]'
        );
        CREATE INDEX pages_file ON pages(file);
        CREATE INDEX pages_journal_day ON pages(journal_day);
        CREATE TABLE aliases (alias TEXT NOT NULL, page_key TEXT NOT NULL, PRIMARY KEY (alias, page_key));
        CREATE INDEX aliases_page ON aliases(page_key);
        CREATE TABLE blocks (
            rowid INTEGER PRIMARY KEY,
            id TEXT NOT NULL,
            file TEXT NOT NULL,
            page_key TEXT NOT NULL,
            parent_id TEXT,
            position INTEGER NOT NULL,
            line INTEGER NOT NULL,
            level INTEGER NOT NULL,
            journal_day INTEGER,
            content TEXT NOT NULL,
            text TEXT NOT NULL,
            marker TEXT,
            priority TEXT,
            scheduled INTEGER,
            deadline INTEGER,
            uuid TEXT,
            collapsed INTEGER NOT NULL DEFAULT 0,
            pre_block INTEGER NOT NULL DEFAULT 0,
            content_hash TEXT NOT NULL
        );
        CREATE INDEX blocks_file ON blocks(file, position);
        CREATE INDEX blocks_marker ON blocks(marker) WHERE marker IS NOT NULL;
        CREATE INDEX blocks_journal_day ON blocks(journal_day) WHERE journal_day IS NOT NULL;
        CREATE INDEX blocks_uuid ON blocks(uuid) WHERE uuid IS NOT NULL;
        -- Child rows point at blocks.rowid; every block writes its children once, so the
        -- tables need no uniqueness constraint of their own.
        CREATE TABLE refs (block INTEGER NOT NULL, page_key TEXT NOT NULL);
        CREATE INDEX refs_block ON refs(block);
        CREATE TABLE tags (block INTEGER NOT NULL, tag TEXT NOT NULL);
        CREATE INDEX tags_block ON tags(block);
        CREATE TABLE block_refs (block INTEGER NOT NULL, target TEXT NOT NULL);
        CREATE INDEX block_refs_block ON block_refs(block);
        CREATE TABLE properties (block INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL);
        CREATE INDEX properties_block ON properties(block);

        CREATE VIRTUAL TABLE blocks_fts USING fts5(
            text, content='blocks', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2');
        CREATE VIRTUAL TABLE pages_fts USING fts5(
            name, content='pages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
        CREATE TRIGGER pages_ai AFTER INSERT ON pages BEGIN
            INSERT INTO pages_fts(rowid, name) VALUES (new.rowid, new.name);
        END;
        CREATE TRIGGER pages_ad AFTER DELETE ON pages BEGIN
            INSERT INTO pages_fts(pages_fts, rowid, name) VALUES ('delete', old.rowid, old.name);
        END;
        CREATE TRIGGER pages_au AFTER UPDATE OF name ON pages BEGIN
            INSERT INTO pages_fts(pages_fts, rowid, name) VALUES ('delete', old.rowid, old.name);
            INSERT INTO pages_fts(rowid, name) VALUES (new.rowid, new.name);
        END;
        """
        + ";\n".join(DEFERRED_INDEXES.values()) + ";\n"
        + ";\n".join(FULLTEXT_TRIGGERS.values()) + ";\n",
    )


@migrations()
def m002_embeddings(db: Database) -> None:
    """Vectors for semantic search, keyed by the text that was embedded.

    ``block_pieces`` says which texts (a block with its context, cut into pieces
    when long) stand for each block; ``vectors`` holds one vector per distinct
    text, so an unchanged text is never embedded twice; ``embed_queue`` holds the
    texts still waiting for a vector; ``embed_files`` records which version of
    each file the pieces were built from.
    """
    run_script(
        db,
        """
        CREATE TABLE embed_files (file TEXT PRIMARY KEY, signature TEXT NOT NULL);
        CREATE TABLE block_pieces (
            block INTEGER NOT NULL,
            piece INTEGER NOT NULL,
            key TEXT NOT NULL,
            PRIMARY KEY (block, piece)
        ) WITHOUT ROWID;
        CREATE INDEX block_pieces_key ON block_pieces(key);
        CREATE TABLE vectors (rowid INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, vector BLOB NOT NULL);
        CREATE TABLE embed_queue (key TEXT PRIMARY KEY, text TEXT NOT NULL);
        """,
    )


@migrations()
def m003_page_tags_tag_blocks(db: Database) -> None:
    """A page's ``tags::`` now tag every block of the page (as in Logseq). Rows are derived from
    files, so indexes built before forget their files and blocks: the next sync reads every file
    again (vectors stay, keyed by their text)."""
    run_script(
        db,
        """
        DELETE FROM refs;
        DELETE FROM tags;
        DELETE FROM block_refs;
        DELETE FROM properties;
        DELETE FROM aliases;
        DELETE FROM blocks;
        DELETE FROM pages;
        DELETE FROM files;
        DELETE FROM block_pieces;
        DELETE FROM embed_files;
        DELETE FROM embed_queue;
        INSERT INTO blocks_fts(blocks_fts) VALUES ('rebuild');
        INSERT INTO pages_fts(pages_fts) VALUES ('rebuild');
        """,
    )
