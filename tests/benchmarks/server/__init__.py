"""Tests of the modelled model server."""
