"""Shared by every engine: checks of typed text, filters and facets, synonyms, snippets."""
