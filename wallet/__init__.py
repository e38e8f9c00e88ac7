"""The candidate wallet: public credential pages and downloads (the portal comes later)."""
