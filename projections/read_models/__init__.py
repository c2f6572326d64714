"""One folder per read model: ``model.py`` (how events change it), ``queries.py`` (reads)."""
