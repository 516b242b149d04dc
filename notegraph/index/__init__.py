"""Keeping the index in step with the graph folder: a pure change plan and its executor."""
