"""MCP shell: tool declarations (server.py) and the stdio entry point (stdio.py)."""
