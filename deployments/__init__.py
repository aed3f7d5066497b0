"""Prefect deployments of rdwatch's flows (design §3)."""
