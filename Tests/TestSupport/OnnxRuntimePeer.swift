import Foundation
import PruneModelIO
import PruneTensor

/// onnxruntime as the peer: runs scripts/onnx/run_onnxruntime.py on an exported model.
public enum OnnxRuntimePeer {
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Fails (MissingTestInput) when python3 cannot import onnxruntime; the test set-up installs it.
    public static func requireAvailable() throws { try requirePythonModules(["onnxruntime", "onnx", "numpy"]) }

    /// onnxruntime's first output for input `x`.
    public static func run(_ model: String, _ x: Tensor) throws -> Tensor { try run(model, inputs: ["x": x]) }

    /// onnxruntime's first output with each graph input fed the tensor of its name (integers as floats).
    public static func run(_ model: String, inputs tensors: [String: Tensor]) throws -> Tensor {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prune-ort-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("x.safetensors").path
        let output = dir.appendingPathComponent("y.safetensors").path
        try Safetensors.write(StateDict(tensors), to: input)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", repository.appendingPathComponent("scripts/onnx/run_onnxruntime.py").path, model,
                       input, output]
        let err = Pipe()
        p.standardError = err
        try p.run()
        // Read before waiting: onnxruntime's warnings can fill the pipe and block the peer.
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw PeerFailure(message: "onnxruntime could not run \(model): \(message.suffix(2000))")
        }
        return try Safetensors.read(output).tensors["y"]!
    }
}

public struct PeerFailure: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
