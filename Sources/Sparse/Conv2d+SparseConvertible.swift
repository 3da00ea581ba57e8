import PruneNN

extension Conv2d: SparseConvertible {
    /// An ungrouped convolution becomes a CSR ``SparseConv2d`` (CSR filters × im2col patches) under a
    /// measured conversion; fixed formats (blocks, N:M, int8) are for Linear layers and leave it as it is.
    public func sparseReplacement(_ conversion: SparseConversion,
                                  minimumSparsity: Double) throws -> SparseReplacement? {
        guard case .measured = conversion, geometry.groups == 1,
              SparseConversion.isSparse(weight.effectiveValue.scalars, atLeast: minimumSparsity) else { return nil }
        return SparseReplacement(module: try SparseConv2d(self), format: "CSR conv")
    }
}
