"""Invoke collections, one module per namespace; ``tasks.py`` assembles them."""
