import Foundation
import Prune

/// safetensors headers and data (`Safetensors.decode`).
struct SafetensorsFuzzTarget: FuzzTarget {
    var name: String { "safetensors" }
    var encoding: SizeFieldEncoding { .text }

    func seeds(repository: String) throws -> [[UInt8]] {
        let files = SeedFiles.list(repository + "/Tests/ModelIOTests/Fixtures", suffix: ".safetensors")
            + SeedFiles.list(repository + "/Tests/ONNXTests/Fixtures/ops", suffix: ".safetensors").prefix(4)
        var state = StateDict([:])
        state.tensors["w"] = try Tensor(shape: [2, 3], scalars: [1, 0, -2, 3.5, 0, 4])
        state.tensors["b"] = Tensor([0.5, -0.5])
        state.metadata = ["format": "pt"]
        return SeedFiles.read(files) + [Array(try Safetensors.encode(state))]
    }

    func execute(_ bytes: [UInt8]) -> Bool {
        guard let state = try? Safetensors.decode(Data(bytes), file: "fuzz") else { return false }
        return state.tensors.values.allSatisfy { $0.count == $0.shape.reduce(1, *) }
    }
}

/// ONNX models (`ONNXModel.decode`, which also runs the graph once on ones to check its shapes).
/// Seeds: the committed fixtures (operators, MLP, two transformers exports) and, when Debian's
/// libonnx-testdata is installed, every one-operator model of the ONNX node tests.
struct ONNXFuzzTarget: FuzzTarget {
    var name: String { "onnx" }
    var encoding: SizeFieldEncoding { .binary }
    static let nodeTests = "/usr/share/libonnx-testdata/data/node"

    func seeds(repository: String) throws -> [[UInt8]] {
        let fixtures = repository + "/Tests/ONNXTests/Fixtures"
        let exports = ["bert_torchscript_opset14", "llama_gqa_torchscript_opset17"].map {
            fixtures + "/transformers/" + $0 + "/model.onnx"
        }
        let nodeModels = ((try? FileManager.default.contentsOfDirectory(atPath: Self.nodeTests)) ?? []).sorted()
            .map { Self.nodeTests + "/" + $0 + "/model.onnx" }
        return SeedFiles.read(SeedFiles.list(fixtures + "/ops", suffix: ".onnx") + [fixtures + "/mlp.onnx"] + exports
                              + nodeModels, limit: 1 << 20)
    }

    func execute(_ bytes: [UInt8]) -> Bool {
        (try? ONNXModel.decode(Data(bytes), name: "fuzz.onnx")) != nil
    }
}

/// Deep Compression files (`DeepCompressionCodec.decode`).
struct CompressedModelFuzzTarget: FuzzTarget {
    var name: String { "prune-codec" }
    var encoding: SizeFieldEncoding { .text }

    func seeds(repository: String) throws -> [[UInt8]] {
        var seeds: [[UInt8]] = []
        for file in SeedFiles.list(repository + "/Tests/ModelIOTests/Fixtures", suffix: ".safetensors") {
            guard let state = try? Safetensors.read(file) else { continue }
            let finite = state.tensors.filter { $0.value.isFinite }
            seeds.append(Array(try DeepCompressionCodec.encode(finite, metadata: state.metadata,
                                                               options: .init(bits: 2, indexBits: 2)).data))
        }
        let w = try Tensor(shape: [3, 4], scalars: [1, 0, 0, 2, 0, 0, 0, -1, 0.5, 0, 0, 0])
        seeds.append(Array(try DeepCompressionCodec.encode(["w": w, "b": Tensor([1, 2])], metadata: ["k": "v"]).data))
        return seeds
    }

    /// The CRC would reject almost every mutant before its fields are read, so the checksum is
    /// recomputed: the mutations reach the header and the payload decoder.
    func execute(_ bytes: [UInt8]) -> Bool {
        (try? DeepCompressionCodec.decode(Data(Self.resealed(bytes)))) != nil
    }

    static func resealed(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count >= 16 else { return bytes }
        var body = Array(bytes.dropLast(4))
        let crc = DeepCompressionCodec.checksum(body)
        body += withUnsafeBytes(of: crc.littleEndian) { Array($0) }
        return body
    }
}
