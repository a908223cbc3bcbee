"""The statement record: tables, engine, migrations, queries and search."""
