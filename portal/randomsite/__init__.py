"""Random government portals for measuring discovery on sites nobody designed the crawler for:
``generator.generate(seed, port)`` builds one (pages + truth), ``server.RandomPortal`` serves it.

    python -m portal.randomsite SEED        # serve one site and print its features and truth
"""
from portal.randomsite.generator import GeneratedSite, TruthReport, generate
from portal.randomsite.server import RandomPortal

__all__ = ["GeneratedSite", "TruthReport", "generate", "RandomPortal"]
