"""Credentials: OB 3.0 builder, JSON-LD, canonicalization, proofs, VC-JWT, verification."""
