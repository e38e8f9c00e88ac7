"""Credentials: OB 3.0 model and builder, JSON-LD, canonicalization, proofs, VC-JWT, verification."""
