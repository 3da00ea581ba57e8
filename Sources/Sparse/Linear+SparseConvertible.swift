import PruneNN

extension Linear: SparseConvertible {
    /// A ``SparseLinear`` in the conversion's format.
    public func sparseReplacement(_ conversion: SparseConversion,
                                  minimumSparsity: Double) throws -> SparseReplacement? {
        let w = weight.effectiveValue
        guard SparseConversion.isSparse(w.scalars, atLeast: minimumSparsity) else { return nil }
        guard let format = try conversion.format(for: w) else { return SparseReplacement(module: nil, format: "dense") }
        let layer = try SparseLinear(weight: w, bias: bias?.effectiveValue, format: format)
        return SparseReplacement(module: layer, format: layer.weight.formatName)
    }
}
