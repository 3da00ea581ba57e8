import Foundation

/// One case of an ONNX backend test suite: a model and its data sets of inputs and expected
/// outputs (`input_0.pb`, `output_0.pb`, … serialized TensorProtos), as the ONNX project lays out
/// its node tests (`node/test_abs/model.onnx`, `test_data_set_0/`) and model tests. The "light"
/// models of the `onnx` wheel (`light/light_resnet50.onnx` beside `light_resnet50_output_0.pb`)
/// have no stored input: their input is `arange(n) / n` in the input's shape, as the ONNX backend
/// test runner generates it.
public struct ONNXConformanceCase: Sendable {
    public struct DataSet: Sendable {
        /// Input files in graph-input order; empty when the input is generated.
        public var inputs: [String]
        public var outputs: [String]
    }
    public var name: String
    public var model: String
    public var dataSets: [DataSet]
    /// Whether the inputs are generated (`arange(n) / n`) rather than stored.
    public var generatedInput: Bool

    /// The cases in a suite folder: every sub-folder holding `model.onnx`, and every light model
    /// (`X.onnx` with `X_output_0.pb` beside it), sorted by name.
    public static func discover(in directory: String) throws -> [ONNXConformanceCase] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelIOError(file: directory, "not a folder of ONNX test cases")
        }
        var cases: [ONNXConformanceCase] = []
        for entry in try fm.contentsOfDirectory(atPath: directory).sorted() {
            let path = directory + "/" + entry
            if fm.fileExists(atPath: path + "/model.onnx") {
                cases.append(ONNXConformanceCase(name: entry, model: path + "/model.onnx",
                                                 dataSets: try storedDataSets(in: path), generatedInput: false))
            } else if entry.hasSuffix(".onnx") {
                let stem = String(path.dropLast(5))
                let outputs = numbered(stem + "_output_")
                guard !outputs.isEmpty else { continue }
                cases.append(ONNXConformanceCase(name: String(entry.dropLast(5)), model: path,
                                                 dataSets: [DataSet(inputs: [], outputs: outputs)],
                                                 generatedInput: true))
            }
        }
        guard !cases.isEmpty else { throw ModelIOError(file: directory, "holds no ONNX test cases") }
        return cases
    }

    /// `test_data_set_0`, `test_data_set_1`, … of a node or model test folder.
    static func storedDataSets(in folder: String) throws -> [DataSet] {
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder)
        let sets = entries.filter { $0.hasPrefix("test_data_set_") }
            .sorted { (Int($0.dropFirst(14)) ?? 0) < (Int($1.dropFirst(14)) ?? 0) }
        return sets.map { s in
            DataSet(inputs: numbered(folder + "/" + s + "/input_"), outputs: numbered(folder + "/" + s + "/output_"))
        }
    }

    /// `prefix0.pb`, `prefix1.pb`, … up to the first missing one.
    static func numbered(_ prefix: String) -> [String] {
        var files: [String] = []
        while FileManager.default.fileExists(atPath: prefix + "\(files.count).pb") {
            files.append(prefix + "\(files.count).pb")
        }
        return files
    }
}
