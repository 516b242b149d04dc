"""The command-line front end: thin click commands over :class:`notegraph.notebook.Notebook`."""
