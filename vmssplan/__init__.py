"""vmssplan: an offline plan for Azure VM Scale Set changes."""

__version__ = "0.1.0"
