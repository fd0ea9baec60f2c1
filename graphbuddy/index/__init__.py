"""The indexing pipeline: discover -> parse+extract -> resolve -> load, one module per stage."""
