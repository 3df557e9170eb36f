"""Persistence adapter: SQLAlchemy tables, repositories and the unit of work.

The clinical, nutrition and exercise cores never import this package.
"""
