"""Positions at a glance: who stands where on each topic, and how it moved."""
