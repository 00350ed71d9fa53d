"""Shared numeric infrastructure of the kernels: SymPy-to-code compilers, vectorisable math, input validation."""
