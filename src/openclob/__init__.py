"""openclob: a self-hostable exchange that speaks the Polymarket CLOB API."""

__version__ = "0.1.0"
