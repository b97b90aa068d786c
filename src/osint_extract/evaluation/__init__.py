"""Evaluation runs and the scorer."""
