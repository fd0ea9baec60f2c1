"""Graph analytics over the code graph with networkx and scipy (notebook-friendly: DataFrames and graphs)."""
