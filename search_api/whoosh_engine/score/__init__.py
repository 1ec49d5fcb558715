"""Scoring and counting matches: BM25F over posting arrays, recency, totals."""
