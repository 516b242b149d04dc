"""The Textual app. Only this package imports Textual; the core stays headless."""
