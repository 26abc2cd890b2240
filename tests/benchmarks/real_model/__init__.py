"""Tests of the real-model benchmark's pieces that need no model."""
