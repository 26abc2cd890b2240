"""Tests of the decision-latency suite."""
