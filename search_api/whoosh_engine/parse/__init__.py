"""From typed text to Whoosh query objects, bounded so no query can run away."""
