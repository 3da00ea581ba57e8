/// The engines a latency target can be measured on, by the names `--latency-engine` takes
/// (``StructuredSettings/latencyEngines`` lists the same names for validation). Both time models written in
/// Swift and imported ONNX graphs.
enum LatencyEngines {
    typealias Maker = @Sendable () -> any LatencyMeasurer
    static let all: [(name: String, make: Maker)] = [
        ("prune", { EngineLatency() }),
        ("onnxruntime", { OnnxRuntimeLatency(threads: ProcessInfoCores.count) }),
    ]

    static func measurer(_ name: String) throws -> any LatencyMeasurer {
        guard let found = all.first(where: { $0.name == name }) else {
            throw JobError("unknown latency engine \(name); known: " + all.map(\.name).joined(separator: ", "))
        }
        return found.make()
    }
}
