"""The symbolic layer: SymPy expressions per network family, proved in ``symrich.derivations``."""
