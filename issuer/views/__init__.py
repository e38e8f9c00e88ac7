"""HTTP views of the issuer: the authenticated API and the public identity resources."""
