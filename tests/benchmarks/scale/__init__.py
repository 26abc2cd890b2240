"""Tests of the scale curves."""
