"""Upstream data: the pinned-file registry and the loaders built on it."""
