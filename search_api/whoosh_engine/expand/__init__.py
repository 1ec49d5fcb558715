"""Widening a query: synonyms, feedback words from the top articles, spelling corrections."""
