"""Prefect flows: thin orchestration over `rdwatch.pipeline`."""
