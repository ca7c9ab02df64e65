"""The graph IR: typed nodes, scopes and structural queries over them."""
