"""The cache: the database of fetched records (SQLAlchemy and Alembic) and its fast reader."""
