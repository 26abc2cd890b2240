"""Tests of the benchmark harness (scripted model server)."""
