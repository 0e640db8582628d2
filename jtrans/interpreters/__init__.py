"""The transformations, each an interpreter over the jaxpr IR."""
