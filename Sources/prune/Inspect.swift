import ArgumentParser
import Foundation
import Prune

/// `prune inspect`: what a model file holds: layers, parameters, sparsity, MACs, operators, and
/// the channel groups structured pruning could shrink.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a model file: an ONNX model (layers, parameters, sparsity, MACs, operators, prunable channel groups) or a safetensors file (tensors, sparsity).",
        discussion: "Example: prune inspect model.onnx --json")

    @Argument(help: "An .onnx or .safetensors file.") var file: String
    @Option(help: "Batch size to assume for inputs with an unknown batch extent.") var batch: Int = 1
    @OptionGroup var common: CommonOptions
    var json: Bool { common.json }

    struct Layer: Codable { var path: String; var shape: [Int]; var parameters: Int; var sparsity: Double; var macs: Int }
    struct Group: Codable { var channels: Int; var members: [String] }
    struct Description: Codable {
        var file: String
        var format: String
        var opset: Int?
        var inputs: [String]
        var outputs: [String]
        var operators: [String: Int]
        var layers: [Layer]
        var parameters: Int
        var nonzeroParameters: Int
        var sparsity: Double
        /// Multiply-accumulates per example of the Linear and Conv layers (MatMuls between activations not counted).
        var macs: Int?
        var prunableGroups: [Group]
        var tensors: [String: [Int]]
    }

    func validate() throws { try OptionBounds.atLeast(batch, 1, "--batch") }

    func run() throws {
        do {
            let d = file.lowercased().hasSuffix(".onnx") ? try describeONNX() : try describeSafetensors()
            if json { try Console(quiet: true, json: true).emitJSON(d) } else { print(text(d)) }
        } catch let e as CLIError { throw e } catch { throw CLIError("inspect: \(error)") }
    }

    func describeONNX() throws -> Description {
        let m = try ONNXModel.load(file)
        let g = m.graph
        let shape = m.exampleShape(batch: batch) ?? []
        var layers: [Layer] = [], macs: Int? = nil
        // MACs are measured by running one example (other inputs get neutral values: GraphModel.feeds(for:)).
        if shape.count >= 2,
           let r = try? PruningReport.measure(g, scopePaths: [], inputShape: Array(shape.dropFirst()), batch: shape[0]) {
            layers = r.layers.map { Layer(path: $0.path, shape: $0.shape, parameters: $0.parameters,
                                          sparsity: $0.sparsity, macs: $0.macs) }
            macs = r.macs
        } else {
            layers = PruningTarget.all(in: g).map { t in
                let w = t.parameter.effectiveValue.scalars
                return Layer(path: t.path, shape: t.shape, parameters: w.count,
                             sparsity: w.isEmpty ? 0 : Double(w.filter { $0 == 0 }.count) / Double(w.count), macs: 0)
            }
        }
        var groups: [Group] = []
        if !shape.isEmpty, let dg = try? DependencyGraph(tracing: g, example: Tensor.zeros(shape)) {
            groups = dg.groups.map { Group(channels: $0.channels,
                                           members: $0.members.map { "\($0.path) (\($0.role))" }) }
        }
        let params = g.parameters().map(\.parameter.effectiveValue.scalars)
        let total = params.reduce(0) { $0 + $1.count }, nz = params.reduce(0) { $0 + $1.filter { $0 != 0 }.count }
        return Description(file: file, format: "onnx", opset: m.opset,
                           inputs: g.inputs.map { input in
                               let dims = input.shape.map { $0.map(String.init) ?? "?" }.joined(separator: ", ")
                               return "\(input.name) \(m.inputTypes[input.name] ?? (input.isInteger ? "int64" : "float")) [\(dims)]"
                           },
                           outputs: g.outputNames, operators: Dictionary(uniqueKeysWithValues: g.operatorCounts.map { ($0.opType, $0.count) }),
                           layers: layers, parameters: total, nonzeroParameters: nz, sparsity: total == 0 ? 0 : 1 - Double(nz) / Double(total),
                           macs: macs, prunableGroups: groups, tensors: [:])
    }

    func describeSafetensors() throws -> Description {
        let state = try Safetensors.read(file)
        let total = state.tensors.values.reduce(0) { $0 + $1.count }
        let nz = state.tensors.values.reduce(0) { $0 + $1.scalars.filter { $0 != 0 }.count }
        let layers = state.tensors.sorted { $0.key < $1.key }.map { k, t in
            Layer(path: k, shape: t.shape, parameters: t.count,
                  sparsity: t.count == 0 ? 0 : 1 - Double(t.scalars.filter { $0 != 0 }.count) / Double(t.count), macs: 0)
        }
        return Description(file: file, format: "safetensors", opset: nil, inputs: [], outputs: [], operators: [:],
                           layers: layers,
                           parameters: total, nonzeroParameters: nz, sparsity: total == 0 ? 0 : 1 - Double(nz) / Double(total), macs: nil,
                           prunableGroups: [], tensors: state.tensors.mapValues(\.shape))
    }

    func text(_ d: Description) -> String {
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ",
                                                                                        count: n - s.count) }
        var lines = ["\(d.file): \(d.format)\(d.opset.map { ", opset \($0)" } ?? "")"]
        if !d.inputs.isEmpty { lines.append("inputs: \(d.inputs.joined(separator: "; "))   outputs: \(d.outputs.joined(separator: ", "))") }
        if !d.operators.isEmpty { lines.append("operators: " + d.operators.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")) }
        lines.append(pad("layer", 34) + pad("shape", 16) + "    params  sparsity         MACs")
        for l in d.layers {
            lines.append(pad(l.path, 34) + pad(l.shape.map(String.init).joined(separator: "x"), 16)
                         + String(format: "%10d %8.2f%% %12d", l.parameters, l.sparsity * 100, l.macs))
        }
        lines.append(String(format: "total: %d parameters, %d non-zero (sparsity %.2f%%)", d.parameters,
                            d.nonzeroParameters, d.sparsity * 100)
                     + (d.macs.map { ", \($0) MACs per example in Linear/Conv layers" } ?? ""))
        if d.format == "onnx" {
            lines.append("channel groups structured pruning can shrink: \(d.prunableGroups.count)")
            for (i, g) in d.prunableGroups.enumerated() { lines.append("  group \(i): \(g.channels) channels: \(g.members.joined(separator: ", "))") }
        }
        return lines.joined(separator: "\n")
    }
}
