"""From matches to answers: filters, facets, pages of hits with snippets, related, suggestions."""
