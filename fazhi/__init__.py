"""Fazhi (法治): the rule-of-law platform of a public security bureau."""

__version__ = "0.1.0"
