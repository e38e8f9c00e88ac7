"""The documents Sceau produces: certificate PDFs (template -> PDF/A-3 -> seal), QR codes, baked
badges, and the archive that keeps every one of them with its SHA-256."""
