"""Tests of the sandbox-cost benchmark."""
