/// The built-in layers whose output for each example depends on that example alone
/// (``ExampleWiseLayer``): convolutions, affine maps over the last axis, normalizations over trailing
/// axes, a BatchNorm at inference (its running statistics), lookups.
extension Conv2d: ExampleWiseLayer {
    public func keepsExamplesApart(inputRank rank: Int) -> Bool { rank == 4 }
}

extension BatchNorm: ExampleWiseLayer {
    public func keepsExamplesApart(inputRank rank: Int) -> Bool { !isTraining && rank >= 2 }
}

extension LayerNorm: ExampleWiseLayer {
    public func keepsExamplesApart(inputRank rank: Int) -> Bool { rank > weight.shape.count }
}

extension RMSNorm: ExampleWiseLayer {
    public func keepsExamplesApart(inputRank rank: Int) -> Bool { rank >= 2 }
}

extension Embedding: ExampleWiseLayer {
    public func keepsExamplesApart(inputRank rank: Int) -> Bool { rank >= 1 }
}

extension LinearLayer {
    /// Rows of the input (every axis but the last) map on their own.
    public func keepsExamplesApart(inputRank rank: Int) -> Bool { rank >= 2 }
}
