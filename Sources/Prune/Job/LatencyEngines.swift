/// The engines a latency target can be measured on, by the names `--latency-engine` takes
/// (``StructuredSettings/latencyEngines`` lists the same names for validation).
enum LatencyEngines {
    typealias Maker = @Sendable (PruningModelSource) throws -> any LatencyMeasurer
    static let all: [(name: String, make: Maker)] = [
        ("prune", { _ in EngineLatency() }),
        ("onnxruntime", { source in
            guard source.onnx == nil else {
                throw JobError("the onnxruntime latency engine times models written in Swift (the built-in ones); "
                               + "for an imported ONNX model use --latency-engine prune")
            }
            return OnnxRuntimeLatency(threads: ProcessInfoCores.count)
        }),
    ]

    static func measurer(_ name: String, source: PruningModelSource) throws -> any LatencyMeasurer {
        guard let found = all.first(where: { $0.name == name }) else {
            throw JobError("unknown latency engine \(name); known: " + all.map(\.name).joined(separator: ", "))
        }
        return try found.make(source)
    }
}
