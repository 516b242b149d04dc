"""notegraph: a Logseq-style research notebook for the terminal, with a local LLM agent.

The package is one headless core (everything outside ``tui/`` and ``cli/``)
and thin front ends. The core never imports Textual.
"""

__version__ = "0.1.0"
