"""Facts: what the whole program shares, each written once (paths, names, patterns, the function images).

The bottom layer: imports nothing of the project (docs/design.md "Layers")."""
