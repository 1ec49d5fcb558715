"""Importers: saved web pages, WordPress exports and feeds turned into Markdown articles on disk.

Each source module yields `ImportedArticle`s (and `Skipped` items with their reason); `writer`
turns them into one Markdown file each, with stable names, idempotently and atomically.
"""
