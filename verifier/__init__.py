"""The public verifier: verification API, the W3C VC API verify endpoint, and its CLI."""
