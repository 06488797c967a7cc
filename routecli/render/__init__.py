"""Renderers: result objects in, tables and documents out. They never compute costs."""
