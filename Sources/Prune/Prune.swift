/// Prune: one import for the whole toolkit (tensors, autodiff, layers and models, model files).
@_exported import PruneTensor
@_exported import PruneAutodiff
@_exported import PruneNN
@_exported import PruneModelIO
@_exported import PrunePruning
@_exported import PrunePruningGraph
@_exported import PruneSparse
@_exported import PruneOneShot
