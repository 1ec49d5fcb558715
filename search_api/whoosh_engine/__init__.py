"""The Whoosh engine: the embedded default, serving an index built by `indexer` from its folder.

Its folders follow a search: `live/` (the generation served, its searchers and per-snapshot
caches) -> `parse/` (typed text to Whoosh queries, within limits) -> `expand/` (synonyms,
feedback words, spelling) -> `score/` (BM25F over posting arrays, counting, recency) ->
`results/` (filters, facets, snippets and hits, related articles, suggestions). `engine.py`
puts them behind the `SearchEngine` protocol.
"""
