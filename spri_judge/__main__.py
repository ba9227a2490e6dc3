"""``python -m spri_judge`` runs the command line."""

from spri_judge.cli.main import main

main()
