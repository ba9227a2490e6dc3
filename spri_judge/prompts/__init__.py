"""Prompt templates (jinja2), in the project's own words."""
