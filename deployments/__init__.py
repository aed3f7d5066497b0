"""Prefect deployments of rdwatch's flows."""
