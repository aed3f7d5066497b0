"""Prefect flows: thin orchestration over `rdwatch.pipeline` (design §3)."""
