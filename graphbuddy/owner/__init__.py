"""The store owner: one process holding the store for many clients (see docs/mcp.md)."""
