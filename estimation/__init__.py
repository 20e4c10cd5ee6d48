"""Offline estimation on the flow's point-in-time training table: splits, LightGBM models, saved bundles."""
