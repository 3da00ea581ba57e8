import ArgumentParser
import Foundation
import Prune

/// `prune compress` / `prune decompress`: Deep Compression storage (pruning + k-means weight sharing
/// + Huffman coding) of a safetensors model, with the size ratio and, for a built-in model, the
/// test accuracy before and after.
struct Compress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store a pruned model with Deep Compression (weight sharing + Huffman coding).",
        discussion: "Weight matrices (rank ≥ 2) get 2^bits shared values per tensor and Huffman-coded relative indices; other tensors stay Float32. The file format is documented in DeepCompressionCodec.swift and the README.")

    @Argument(help: "The model (safetensors), typically pruned.")
    var input: String

    @Option(help: "Output file (.prune); written atomically, never over the input.")
    var out: String

    @Option(help: "Bits of the shared-weight index (2^bits clusters per tensor), 1–8.")
    var bits: Int = 5

    @Option(name: .customLong("index-bits"), help: "Bits of the relative index before Huffman coding, 1–8.")
    var indexBits: Int = 5

    @Option(help: "Built-in model (lenet300, lenet5, vgg-small, resnet-small) to report Fashion-MNIST accuracy before and after.")
    var model: String?

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var common: CommonOptions
    var json: Bool { common.json }

    var quiet: Bool { common.quiet }

    struct Report: Encodable {
        var input: String
        var out: String
        var parameters: Int
        var nonZeros: Int
        var denseFloat32Bytes: Int
        var inputFileBytes: Int
        var compressedBytes: Int
        var ratioToDenseFloat32: Double
        var accuracyBefore: Float?
        var accuracyAfter: Float?
        var tensors: [DeepCompressionCodec.TensorReport]
    }

    func validate() throws {
        try OptionBounds.inRange(bits, 1...8, "--bits")
        try OptionBounds.inRange(indexBits, 1...8, "--index-bits")
    }

    func run() throws {
        let console = Console(quiet: quiet, json: json)
        do {
            guard !AtomicFile.isSamePath(out, input) else {
                throw CLIError("compress: --out must differ from the input")
            }
            try AtomicFile.checkDestination(out)
            let state = try Safetensors.read(input)
            let (data, tensors) = try DeepCompressionCodec.encode(state.tensors, metadata: state.metadata,
                                                                   options: .init(bits: bits, indexBits: indexBits))
            let decoded = try DeepCompressionCodec.decode(data)
            let parameters = state.tensors.values.reduce(0) { $0 + $1.count }
            var report = Report(input: input, out: out, parameters: parameters,
                                nonZeros: tensors.reduce(0) { $0 + $1.nonZeros },
                                denseFloat32Bytes: parameters * 4,
                                inputFileBytes: (try? FileManager.default.attributesOfItem(atPath: input)[.size] as? Int) ?? 0,
                                compressedBytes: data.count, ratioToDenseFloat32: Double(parameters * 4) / Double(data.count),
                                accuracyBefore: nil, accuracyAfter: nil, tensors: tensors)
            if let model {
                report.accuracyBefore = try accuracy(model, state.tensors, metadata: state.metadata)
                report.accuracyAfter = try accuracy(model, decoded.tensors, metadata: decoded.metadata)
            }
            try AtomicFile.write(data, to: out)
            if json { try console.emitJSON(report) } else {
                for t in tensors {
                    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ",
                            count: n - s.count) }
                    console.info("  " + pad(t.name, 28) + pad(t.shape.map(String.init).joined(separator: "x"),
                                                              12) + pad(t.encoding, 7)
                                 + String(format: "%8d non-zero  %9d → %8d bytes", t.nonZeros, t.denseBytes,
                                          t.storedBytes))
                }
                console.result(String(format: "%@ → %@: %d bytes (dense float32 %d bytes, %.1f× smaller; input file %d bytes)",
                                      input, out, data.count, parameters * 4, report.ratioToDenseFloat32, report.inputFileBytes))
                if let a = report.accuracyBefore, let b = report.accuracyAfter {
                    console.result("test accuracy: \(a.percent) before, \(b.percent) after decompression (\(String(format: "%+.2f", (b - a) * 100)) points)")
                }
            }
        } catch let e as CLIError { throw e } catch { throw CLIError("compress: \(error)") }
    }

    func accuracy(_ name: String, _ tensors: [String: Tensor], metadata: [String: String]) throws -> Float {
        let net = try ModelZoo.make(name, seed: 0)
        if metadata["prune.structured"] == "1" { try ShapeAdaptation.adapt(net, to: tensors.mapValues(\.shape)) }
        try net.load(StateDict(tensors, metadata: metadata), file: input)
        return try Trainer.evaluate(net, loader: dataOptions.loader(dataOptions.load(.test), shuffle: false,
                                                                    seed: 0)).accuracy
    }
}

/// `prune decompress`: a `.prune` file back to safetensors.
struct Decompress: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Restore a Deep Compression file (.prune) to safetensors.")

    @Argument(help: "The compressed model (.prune).")
    var input: String

    @Option(help: "Output safetensors file; written atomically, never over the input.")
    var out: String

    @OptionGroup var common: CommonOptions
    var json: Bool { common.json }

    struct Report: Encodable { var input: String; var out: String; var tensors: Int; var parameters: Int }

    func run() throws {
        let console = Console(quiet: false, json: json)
        do {
            guard !AtomicFile.isSamePath(out, input) else {
                throw CLIError("decompress: --out must differ from the input")
            }
            try AtomicFile.checkDestination(out)
            guard let data = FileManager.default.contents(atPath: input) else { throw CLIError("decompress: cannot read \(input)") }
            let (tensors, metadata) = try DeepCompressionCodec.decode(data)
            try Safetensors.write(StateDict(tensors, metadata: metadata), to: out)
            let report = Report(input: input, out: out, tensors: tensors.count,
                                parameters: tensors.values.reduce(0) { $0 + $1.count })
            if json { try console.emitJSON(report) } else { console.result("\(input) → \(out): \(report.tensors) tensors, \(report.parameters) values") }
        } catch let e as CLIError { throw e } catch { throw CLIError("decompress: \(input): \(error)") }
    }
}
