"""``python -m notegraph`` is the ``notegraph`` command."""

from notegraph.cli.main import main

if __name__ == "__main__":
    main()
