"""Specs: YAML read with positions, validated into typed, located data."""
