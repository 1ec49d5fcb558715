"""The HTTP layer: app factory, routes, dependencies, middleware, pages; one SearchEngine below."""
