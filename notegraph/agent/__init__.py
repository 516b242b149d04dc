"""What the local model does over the graph: cited answers, summaries, the sprint report."""
