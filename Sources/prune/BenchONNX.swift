import ArgumentParser
import Foundation
import Prune

/// `prune bench onnx`: imported models in Prune's engine and in onnxruntime (the peer, same
/// machine, same inputs), dense and after structured pruning of half of every channel group.
struct BenchONNX: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "onnx",
        abstract: "Imported ONNX models: import time, Prune vs onnxruntime inference, dense and structurally pruned.")

    @Option(help: ArgumentHelp("ONNX files or folders, comma-separated (a folder: its model.onnx, else every .onnx "
                               + "in it, e.g. the onnx wheel's backend/test/data/light). Default: the test fixtures "
                               + "and two transformers exports."))
    var models: String = (["cnn", "resnet", "mobilenet", "transformer", "torch_encoder"].map { "\($0).onnx" }
        + ["bert_torchscript_opset14", "vit_torchscript_opset14"].map { "transformers/\($0)" })
        .map { "Tests/ONNXTests/Fixtures/" + $0 }.joined(separator: ",")
    @Option(help: "Batch size of the timed inputs.") var batch: Int = 64
    @Option(help: "Timed runs per model (the median counts; at least 3).") var repeats: Int = 20
    @Option(help: "Structured: remove this fraction of every channel group.") var channels: Double = 0.5
    @Option(help: "Round kept channel counts up to a multiple of this.") var roundTo: Int = 1
    @Flag(help: "Skip the onnxruntime peer.") var noOnnxruntime = false
    @Flag(help: "Also print where Prune's time goes: milliseconds per operator type and the slowest nodes.")
    var profile = false
    @Option(help: "With --profile, how many of the slowest nodes to list.") var profileNodes: Int = 12
    @Flag(help: ArgumentHelp("Run every node on its own: no activation, batch norm or residual addition fused "
                             + "into the convolution before it, no decomposed LayerNorm or GELU run as one kernel "
                             + "(to measure what fusion gains)."))
    var noFusion = false
    @Flag(help: ArgumentHelp("Run the whole batch node by node over the cores, never each core's share of the "
                             + "examples on its own (to measure what the example split gains)."))
    var noExampleSplit = false
    @OptionGroup var common: CommonOptions
    var json: Bool { common.json }

    struct Row: Encodable {
        var model: String, importSeconds: Double, batch: Int, macsDense: Int, macsPruned: Int
        var pruneDense: Double, prunePruned: Double, ortDense: Double?, ortPruned: Double?
    }

    func validate() throws {
        guard repeats >= 3 else { throw ValidationError("--repeats must be at least 3 (the median counts)") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard profileNodes >= 0 else { throw ValidationError("--profile-nodes must be 0 or more") }
    }

    /// Median times of two models on the same feeds. Each model runs in blocks of consecutive runs after an
    /// untimed one, as onnxruntime's side runs each model in its own process (caches warm with that model's
    /// weights, not the other's); `rounds` rounds of blocks, so that both models see the same machine state.
    func medians(_ a: GraphModel, _ b: GraphModel, _ feeds: [String: GraphValue],
                 rounds: Int) throws -> (Double, Double) {
        a.eval(); b.eval()
        var times: ([Double], [Double]) = ([], [])
        func block(_ model: GraphModel, _ runs: Int) throws -> [Double] {
            _ = try withNoGrad { try model.run(feeds) }
            return try (0..<runs).map { _ in
                let s = monotonicSeconds()
                _ = try withNoGrad { try model.run(feeds) }
                return monotonicSeconds() - s
            }
        }
        for round in 0..<rounds {
            let runs = repeats * (round + 1) / rounds - repeats * round / rounds
            times.0 += try block(a, runs)
            times.1 += try block(b, runs)
        }
        return (MedianTiming.median(times.0), MedianTiming.median(times.1))
    }

    /// onnxruntime's median time on one model, in its own process (see Benchmarks/onnx_ort.py).
    func onnxruntime(_ model: String, _ inputs: String) -> (seconds: Double, version: String)? {
        let peer = PythonPeer.objects(["Benchmarks/onnx_ort.py", model, inputs, String(ProcessInfoCores.count),
                                       String(repeats)])
        guard let o = peer.last, let s = o["seconds"] as? Double else { return nil }
        return (s, o["version"] as? String ?? "")
    }

    /// One model: import, prune a copy structurally, time both here and in onnxruntime.
    func measure(_ path: String, scratch: String) throws -> (Row, String) {
        let t0 = monotonicSeconds()
        let dense = try ONNXModel.load(path)
        let importSeconds = monotonicSeconds() - t0
        let feeds = try BenchONNXInputs.feeds(dense, batch: batch, seed: common.seed ?? 1)
        let pruned = try ONNXModel.load(path)
        var pruner = StructuredPruner(criterion: MagnitudeImportance(norm: .l2), target: .channelRatio(channels))
        pruner.roundTo = roundTo
        let example = try BenchONNXInputs.example(dense, feeds)
        let macs: (Int, Int)
        do {
            let result = try pruner.prune(pruned.graph, example: example)
            macs = (result.macsBefore, result.macsAfter)
        } catch StructuredPruningError.noRemovableChannels {
            let m = StructuredPruner.cost(try DependencyGraph(tracing: pruned.graph, example: example), [:]).macs
            macs = (m, m)   // timed as it is: the pruned columns then show run-to-run noise
        }
        dense.graph.fusesEpilogues = !noFusion
        pruned.graph.fusesEpilogues = !noFusion
        dense.graph.splitsExamples = !noExampleSplit
        pruned.graph.splitsExamples = !noExampleSplit
        var row = Row(model: BenchONNXInputs.label(path), importSeconds: importSeconds,
                      batch: feeds.values.first?.shape.first ?? 1, macsDense: macs.0, macsPruned: macs.1,
                      pruneDense: 0, prunePruned: 0, ortDense: nil, ortPruned: nil)
        var version = "", ort: ([Double], [Double]) = ([], [])
        let prunedPath = scratch + "/pruned.onnx", inputs = scratch + "/inputs.safetensors"
        if !noOnnxruntime {
            try pruned.write(to: prunedPath)
            try Safetensors.write(BenchONNXInputs.stateDict(feeds), to: inputs)
        }
        // Prune's blocks first (two rounds), then three onnxruntime processes per model: Prune's runs right
        // after an onnxruntime process were slower (the transformer fixture's pruned model 0.61–0.79 ms against
        // 0.35–0.42), which would charge the peer's after-effects to Prune.
        (row.pruneDense, row.prunePruned) = try medians(dense.graph, pruned.graph, feeds, rounds: 2)
        for _ in 0..<(noOnnxruntime ? 0 : 3) {
            if let d = onnxruntime(path, inputs) { ort.0.append(d.seconds); version = d.version }
            if let q = onnxruntime(prunedPath, inputs) { ort.1.append(q.seconds) }
        }
        if profile { try printProfiles(path, dense.graph, pruned.graph, feeds) }
        if !ort.0.isEmpty { row.ortDense = MedianTiming.median(ort.0) }
        if !ort.1.isEmpty { row.ortPruned = MedianTiming.median(ort.1) }
        return (row, version)
    }

    func run() throws {
        let tmp = NSTemporaryDirectory() + "prune-bench-onnx-\(getpid())"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        var rows: [Row] = []
        var ortVersion = ""
        for path in try BenchONNXInputs.modelFiles(models) {
            if !json { FileHandle.standardError.write(Data("bench onnx: \(path)\n".utf8)) }
            let (row, version) = try measure(path, scratch: tmp)
            rows.append(row)
            if !version.isEmpty { ortVersion = version }
        }
        if json { try Console(quiet: true, json: true).emitJSON(rows); return }
        printTable(rows, ortVersion: ortVersion)
    }

    func printTable(_ rows: [Row], ortVersion: String) {
        let rounding = roundTo > 1 ? ", kept counts rounded up to multiples of \(roundTo)" : ""
        print("Median of \(repeats) runs, each model's in blocks of consecutive runs (onnxruntime: median of 3 "
              + "processes, each the median of \(repeats) runs), "
              + "\(ProcessInfoCores.count) threads; structured: \(Int(channels * 100))% of every channel group "
              + "removed by L2 norm\(rounding)."
              + (ortVersion.isEmpty ? " (onnxruntime not run: pip install onnxruntime)"
                 : " Peer: onnxruntime \(ortVersion) (CPU, default graph optimizations).")
              + " Prune's products: \(BLASThreads.kernels).")
        print("| model | batch | import | MACs dense → pruned | Prune dense | Prune pruned (speed-up) "
              + "| onnxruntime dense | onnxruntime pruned (speed-up) | Prune ÷ onnxruntime time, pruned |")
        print("|---|---|---|---|---|---|---|---|---|")
        func ms(_ s: Double?) -> String { s.map { String(format: "%.2f ms", $0 * 1000) } ?? "–" }
        for r in rows {
            let ortUp = r.ortDense.flatMap { d in r.ortPruned.map { String(format: " (%.2f×)", d / $0) } } ?? ""
            let ratio = r.ortPruned.map { String(format: "%.2f", r.prunePruned / $0) } ?? "–"
            let up = String(format: " (%.2f×)", r.pruneDense / r.prunePruned)
            print("| \(r.model) | \(r.batch) | \(ms(r.importSeconds)) | \(r.macsDense) → \(r.macsPruned) "
                  + "| \(ms(r.pruneDense)) | \(ms(r.prunePruned))\(up) | \(ms(r.ortDense)) "
                  + "| \(ms(r.ortPruned))\(ortUp) "
                  + "| \(ratio) |")
        }
    }

    /// Milliseconds per operator type of both models (the slowest twelve), on stderr beside the progress.
    func printProfiles(_ path: String, _ dense: GraphModel, _ pruned: GraphModel,
                       _ feeds: [String: GraphValue]) throws {
        for (label, model) in [("dense", dense), ("pruned", pruned)] {
            let p = try GraphRunProfile.measure(model, feeds: feeds, runs: repeats)
            var lines = ["\(BenchONNXInputs.label(path)), \(label): "
                         + String(format: "%.2f ms per run", p.secondsPerRun * 1000)]
            for e in p.entries.prefix(12) {
                let name = e.opType.padding(toLength: Swift.max(22, e.opType.count), withPad: " ", startingAt: 0)
                lines.append("  " + name + String(format: " %8.3f ms %5.1f%%  (%d nodes)", e.secondsPerRun * 1000,
                                                  100 * e.secondsPerRun / p.secondsPerRun, e.nodes))
            }
            lines.append("  slowest nodes:")
            for e in p.nodes.prefix(profileNodes) {
                lines.append(String(format: "  %8.3f ms %5.1f%%  ", e.secondsPerRun * 1000,
                                    100 * e.secondsPerRun / p.secondsPerRun) + "\(e.opType) \(e.name)")
            }
            FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
    }
}
