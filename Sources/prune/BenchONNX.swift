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
        /// Prune's time over onnxruntime's: the median of the rounds' ratios (``PairedRounds``), and those.
        var ratioDense: Double?, ratioPruned: Double?, roundRatiosDense: [Double], roundRatiosPruned: [Double]
    }

    func validate() throws {
        guard repeats >= 3 else { throw ValidationError("--repeats must be at least 3 (the median counts)") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard profileNodes >= 0 else { throw ValidationError("--profile-nodes must be 0 or more") }
    }

    /// The run times of two models (dense, pruned) on the same feeds, here and, when `peers` is not nil, in
    /// onnxruntime (one process per model, kept open), round by round. Each model runs in blocks of consecutive
    /// runs after an untimed one (caches warm with that model's weights, not the other's), in `rounds` rounds; a
    /// round runs the dense model's block here, then in the peer, then the pruned model's here, then in the
    /// peer. This machine's speed moved by up to 2× within minutes, for both sides, so the peer's runs must fall
    /// in the same seconds as Prune's: its time measured in separate processes after Prune's runs put the
    /// MobileNet-style fixture at 1.4–2.8× onnxruntime's time across runs of the same binary; the table's
    /// ratio is each round's (``PairedRounds``).
    func pairedRounds(_ a: GraphModel, _ b: GraphModel, _ feeds: [String: GraphValue],
                      peers: (PythonPeerServer, PythonPeerServer)?) throws -> (PairedRounds, PairedRounds) {
        a.eval(); b.eval()
        var dense = PairedRounds(), pruned = PairedRounds()
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
            let hereDense = try block(a, runs)
            dense.append(here: hereDense, peer: peers.map { Self.peerBlock($0.0, runs) } ?? [])
            let herePruned = try block(b, runs)
            pruned.append(here: herePruned, peer: peers.map { Self.peerBlock($0.1, runs) } ?? [])
        }
        return (dense, pruned)
    }

    /// Rounds of blocks per model: five, or one per run below five repeats.
    var rounds: Int { Swift.min(5, repeats) }

    /// A block of `runs` timed runs in a peer (after its own untimed one); empty when the peer stopped.
    static func peerBlock(_ peer: PythonPeerServer, _ runs: Int) -> [Double] {
        (peer.request(String(runs))?["times"] as? [Double]) ?? []
    }

    /// An onnxruntime process serving one model (see Benchmarks/onnx_ort.py), or nil when it cannot run.
    func onnxruntime(_ model: String, _ inputs: String) -> PythonPeerServer? {
        PythonPeerServer(["Benchmarks/onnx_ort.py", model, inputs, String(ProcessInfoCores.count), "serve"])
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
                      batch: dense.graph.inputs.first.flatMap { feeds[$0.name]?.shape.first } ?? 1,
                      macsDense: macs.0, macsPruned: macs.1,
                      pruneDense: 0, prunePruned: 0, ortDense: nil, ortPruned: nil, ratioDense: nil,
                      ratioPruned: nil, roundRatiosDense: [], roundRatiosPruned: [])
        let prunedPath = scratch + "/pruned.onnx", inputs = scratch + "/inputs.safetensors"
        var peers: (PythonPeerServer, PythonPeerServer)?
        if !noOnnxruntime {
            try pruned.write(to: prunedPath)
            try Safetensors.write(BenchONNXInputs.stateDict(feeds), to: inputs)
            if let d = onnxruntime(path, inputs), let q = onnxruntime(prunedPath, inputs) { peers = (d, q) }
        }
        let (d, q) = try pairedRounds(dense.graph, pruned.graph, feeds, peers: peers)
        peers?.0.close()
        peers?.1.close()
        (row.pruneDense, row.prunePruned) = (d.hereMedian ?? 0, q.hereMedian ?? 0)
        (row.ortDense, row.ortPruned, row.ratioDense, row.ratioPruned) = (d.peerMedian, q.peerMedian, d.ratio, q.ratio)
        (row.roundRatiosDense, row.roundRatiosPruned) = (d.roundRatios, q.roundRatios)
        if profile { try printProfiles(path, dense.graph, pruned.graph, feeds) }
        let version = peers?.0.greeting["version"] as? String ?? ""
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
        print("Median of \(repeats) runs per model and side, in \(rounds) rounds that alternate blocks "
              + "of consecutive runs here and in onnxruntime (one process per model, kept open); the ratio is "
              + "the median of the rounds' ratios of medians; "
              + "\(ProcessInfoCores.count) threads; structured: \(Int(channels * 100))% of every channel group "
              + "removed by L2 norm\(rounding)."
              + (ortVersion.isEmpty ? " (onnxruntime not run: pip install onnxruntime)"
                 : " Peer: onnxruntime \(ortVersion) (CPU, default graph optimizations).")
              + " Prune's products: \(BLASThreads.kernels).")
        print("| model | batch | import | MACs dense → pruned | Prune dense | Prune pruned (speed-up) "
              + "| onnxruntime dense | onnxruntime pruned (speed-up) | Prune ÷ onnxruntime time, dense / pruned |")
        print("|---|---|---|---|---|---|---|---|---|")
        func ms(_ s: Double?) -> String { s.map { String(format: "%.2f ms", $0 * 1000) } ?? "–" }
        func ratio(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "–" }
        for r in rows {
            let ortUp = r.ortDense.flatMap { d in r.ortPruned.map { String(format: " (%.2f×)", d / $0) } } ?? ""
            let up = String(format: " (%.2f×)", r.pruneDense / r.prunePruned)
            print("| \(r.model) | \(r.batch) | \(ms(r.importSeconds)) | \(r.macsDense) → \(r.macsPruned) "
                  + "| \(ms(r.pruneDense)) | \(ms(r.prunePruned))\(up) | \(ms(r.ortDense)) "
                  + "| \(ms(r.ortPruned))\(ortUp) "
                  + "| \(ratio(r.ratioDense)) / \(ratio(r.ratioPruned)) |")
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
