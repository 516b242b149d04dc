"""Editing outlines: rows and operations, byte-exact rendering, merging outside changes, saving."""
