"""The standard synthetic pitfall suite (version 1.0.0), registered declaratively.

Placeholder while the generator lands: registers nothing yet.
"""
