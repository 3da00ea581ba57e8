import Foundation
import PruneNN

extension ONNXModel {
    /// The inputs stored beside the model in the ONNX test-data layout
    /// (`test_data_set_N/input_K.pb`, K in graph-input order), by graph input name; nil when the
    /// folder holds no such set. Used to benchmark and check exports on the inputs they were made for.
    public func storedInputs(dataSet: Int = 0) throws -> [String: GraphValue]? {
        let folder = (file as NSString).deletingLastPathComponent + "/test_data_set_\(dataSet)"
        guard FileManager.default.fileExists(atPath: folder + "/input_0.pb") else { return nil }
        var feeds: [String: GraphValue] = [:]
        for (k, input) in graph.inputs.enumerated() {
            let path = folder + "/input_\(k).pb"
            guard let value = try ONNXConformanceRunner.tensor(path, declared: declaredTypes[input.name]) else {
                throw ModelIOError(file: path,
                                   "the stored input '\(input.name)' has an element type Prune does not read")
            }
            feeds[input.name] = value
        }
        return feeds
    }
}
