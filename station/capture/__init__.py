"""Capture workflows: fingerprints, face photos and signatures, independent of the UI."""
