"""Scripts that measure or generate minbuild's own code (run from the checkout)."""
