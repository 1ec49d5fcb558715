"""The generation being served: which one is live, its searchers, and caches per snapshot."""
