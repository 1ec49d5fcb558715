"""The HTTP layer of medsearch: a FastAPI app over the index that `indexer` builds."""
