import PruneTensor

/// A layer that carries a weight pruning may act on: the weight viewed as an `[out, in·k]` matrix
/// (one row per output channel). Criteria, masks, calibration and the pruning report find layers
/// by this protocol, so a new layer type joins pruning by conforming (``Linear`` and ``Conv2d`` do,
/// next to their definitions).
public protocol PrunableWeightLayer: Module {
    /// The weight, first axis = output channels.
    var prunableWeight: Parameter { get }
    /// Groups the input channels are split into (a grouped convolution's groups; 1 for dense layers):
    /// output row o reads only the input channels of group o / (out / groups).
    var weightGroups: Int { get }
    /// Output positions one example produces from `input` (a convolution's output pixels; a Linear's
    /// tokens, 1 for flat features): the weight's multiply-accumulates per example are
    /// `count(weight) · positions`.
    func outputPositions(forInput input: Tensor) -> Int
}

extension PrunableWeightLayer {
    public var weightGroups: Int { 1 }
}
