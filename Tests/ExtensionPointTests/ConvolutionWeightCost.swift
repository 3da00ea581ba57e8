import Prune

/// A search budget the library does not have, defined outside it: the weights of the convolutions
/// alone (a model whose fully connected part runs elsewhere), at any group widths. A ratio search then
/// keeps a fraction of them instead of the MACs.
struct ConvolutionWeightCost: SearchCost {
    var name: String { "convolution weights" }

    func cost(_ graph: DependencyGraph, widths: [ObjectIdentifier: Int]) -> Double {
        var weights = 0
        for (layer, inputs, outputs) in StructuredPruner.layerWidths(graph, widths)
        where layer.kernelArea > 1 && !layer.normalization {
            weights += layer.depthwise ? outputs * layer.kernelArea : outputs * inputs * layer.kernelArea
        }
        return Double(weights)
    }
}
