"""Enforcement: check data and params against a signature (plans, Arrow kernels, Spark, local)."""
