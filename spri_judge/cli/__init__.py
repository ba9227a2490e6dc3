"""The ``spri-judge`` command line: one module per command."""
