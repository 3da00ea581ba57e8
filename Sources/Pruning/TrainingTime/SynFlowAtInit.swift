import PruneNN
import PruneTensor
import PruneAutodiff

/// SynFlow (Tanaka, Kunin, Yamins & Ganguli, "Pruning neural networks without any data by
/// iteratively conserving synaptic flow", NeurIPS 2020): with every parameter replaced by its absolute
/// value, BatchNorm in evaluation mode and an all-ones input, R = 1ᵀ f(1); a weight's score is
/// |θ ⊙ ∂R/∂θ|. No data is used (only the input's shape). 100 rounds, the density after round k
/// being d^(k/100), masks applied between rounds: the paper's setting.
public struct SynFlowAtInit: InitializationCriterion {
    public let name = "synflow"
    public let rounds: Int
    public init(rounds: Int = 100) { self.rounds = rounds }

    public func scores(_ model: any Module, targets: [PruningTarget], data: InitializationData) throws -> [[Float]] {
        let params = model.parameters().map(\.parameter)
        let signed = params.map(\.value)
        let wasTraining = model.isTraining
        defer {
            for (p, v) in zip(params, signed) { p.value = v }
            if wasTraining { model.train() }
            model.zeroGrad()
        }
        for p in params { p.value = p.value.map { abs($0) } }
        model.eval()
        model.zeroGrad()
        let ones = Tensor(unchecked: data.exampleShape, [Float](repeating: 1, count: data.exampleShape.reduce(1, *)))
        let flow = try model.forward(Variable(ones)).sum()
        guard flow.value.item.isFinite else {
            throw PruningError.invalidOption("SynFlow's synaptic flow overflows Float32 for this network (R = "
                                             + "\(flow.value.item)); scale the initialization down")
        }
        try flow.backward()
        return targets.map { t in
            let g = t.parameter.grad?.scalars ?? [Float](repeating: 0, count: t.count)
            return zip(g, t.parameter.effectiveValue.scalars).map { abs($0 * $1) }
        }
    }
}
