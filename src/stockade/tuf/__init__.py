"""The TUF repository (PEP 458): keys, signed metadata, and the batched publisher."""
