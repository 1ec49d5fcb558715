"""Facets a request asks for: which value counts to return beside the results."""

from __future__ import annotations

from indexer.errors import QueryError

FACET_NAMES: tuple[str, ...] = ("author", "tag", "year")


def parse_facets(values: list[str] | None) -> tuple[str, ...]:
    """Facet names from `facets=author,tag` (or the parameter repeated), in the order asked."""
    names: dict[str, None] = {}
    for value in values or []:
        for part in value.split(","):
            name = part.strip().lower()
            if not name:
                continue
            if name not in FACET_NAMES:
                raise QueryError(
                    f"Unknown facet {part.strip()[:40]!r}; ask for author, tag or year, "
                    "as in facets=author,tag,year."
                )
            names.setdefault(name)
    return tuple(names)
