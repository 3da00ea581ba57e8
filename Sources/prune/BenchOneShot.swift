import ArgumentParser
import Foundation
import Prune

/// `prune bench oneshot`: the one-shot table on all-MiniLM-L6-v2 (method × sparsity → fidelity,
/// retrieval agreement, time; heads and blocks removed → fidelity), with the PyTorch peer
/// (`Benchmarks/oneshot_torch.py`) running the same Wanda and SparseGPT on the same sentences.
struct BenchOneShot: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "oneshot",
                                                    abstract: "One-shot pruning of all-MiniLM-L6-v2 vs the PyTorch peer.")

    @Option(help: "BERT checkpoint folder, or minilm.") var model: String = "minilm"
    @Option(help: "Methods.") var methods: String = "magnitude,wanda,sparsegpt"
    @Option(help: "Sparsities: fractions or N:M.") var sparsities: String = "0.5,0.6,0.7,2:4,4:8"
    @Option(help: "Numbers of heads to remove (empty: none).") var heads: String = "6,12,24,36"
    @Option(name: .customLong("head-importance"),
            help: "Head scores to sweep: output-norm, ablation.") var headImportance: String = "output-norm"
    @Option(help: "Numbers of blocks to remove (empty: none).") var blocks: String = "1,2,3"
    @Option(help: "Sentence file.") var text: String = "data/text/python-reference-sentences.txt"
    @Option(name: .customLong("calibration-count")) var calibrationCount: Int = 128
    @Option(name: .customLong("eval-count")) var evalCount: Int = 256
    @OptionGroup var common: CommonOptions
    var seed: UInt64 { common.seed ?? 0 }
    @Flag(help: "Skip the PyTorch peer.") var noTorch = false
    var json: Bool { common.json }

    struct Row: Encodable {
        var kind: String, method: String, setting: String
        var meanCosine: Double, top1Agreement: Double, top10Overlap: Double, seconds: Double, parameters: Int
        var torchMeanCosine: Double?, torchSeconds: Double?
    }

    @Option(help: "Timed runs per case on each side; the median is reported.") var repeats: Int = 3

    func run() throws {
        guard repeats >= 1 else { throw CLIError("bench oneshot: --repeats must be at least 1") }
        let console = Console(quiet: false, json: json)
        let dir = try OneShotCommand.modelDirectory(model)
        let base = try BertCheckpoint.load(directory: dir)
        let corpus = try SentenceCorpus(file: text, calibrationCount: calibrationCount, evaluationCount: evalCount,
                                        seed: seed)
        let dense = try base.model.sentenceEmbeddings(corpus.evaluation, tokenizer: base.tokenizer)
        let specs = sparsities.split(separator: ",").map(String.init)
        let methodList = methods.split(separator: ",").map(String.init)
        let cases = methodList.filter { $0 != "magnitude" }.flatMap { m in specs.map { "\(m):\($0)" } }
        let torch = noTorch ? [:] : try runPeer(dir: dir, corpus: corpus, cases: cases, console: console)

        var rows: [Row] = []
        func measure(_ kind: String, _ method: String, _ setting: String,
                     _ body: (BertCheckpoint, [TokenBatch]) throws -> Void) throws {
            var times: [Double] = []
            var ckpt = base
            for r in 0..<repeats {
                ckpt = try BertCheckpoint.load(directory: dir)
                console.progress("\(method) \(setting): run \(r + 1)/\(repeats) …")
                // The clock covers what the peer's covers: tokenization, batching by length, statistics, pruning.
                let t0 = monotonicSeconds()
                let calibration = corpus.calibrationBatches(ckpt.tokenizer, batchSize: 32)
                try body(ckpt, calibration)
                times.append(monotonicSeconds() - t0)
            }
            let pruned = try ckpt.model.sentenceEmbeddings(corpus.evaluation, tokenizer: ckpt.tokenizer)
            let f = try EmbeddingFidelity.measure(dense: dense, pruned: pruned, queries: 64)
            let t = torch["\(method):\(setting)"]
            rows.append(Row(kind: kind, method: method, setting: setting, meanCosine: f.meanCosine,
                            top1Agreement: f.top1Agreement, top10Overlap: f.top10Overlap, seconds: MedianTiming.median(times),
                            parameters: ckpt.model.parameterCount, torchMeanCosine: t?.0, torchSeconds: t?.1))
        }
        for spec in specs {
            let sparsity = spec.contains(":") ? try OneShotSparsity(pattern: SparsityPattern.parse(spec), sparsity: nil)
                                              : try OneShotSparsity(pattern: .unstructured,
                                                                    sparsity: Double(spec) ?? -1)
            for m in methodList {
                let method = try OneShotMethods.named(m)
                try measure("weights", m, spec) { ckpt, cal in
                    _ = try OneShotPruner(method: method, sparsity: sparsity).prune(ckpt.model, calibration: cal)
                }
            }
        }
        for importance in headImportance.split(separator: ",").compactMap({ HeadImportance(rawValue: String($0)) }) {
            for n in heads.split(separator: ",").compactMap({ Int($0) }) {
                try measure("heads", importance.rawValue, "\(n) heads") { ckpt, cal in
                    try HeadPruner(importance: importance).prune(ckpt.model, count: n, calibration: cal)
                }
            }
        }
        for n in blocks.split(separator: ",").compactMap({ Int($0) }) {
            try measure("blocks", "block influence", "\(n) blocks") { ckpt, cal in
                _ = try BlockInfluence().prune(ckpt.model, count: n, calibration: cal)
            }
        }
        console.endProgress()
        if json { try console.emitJSON(rows) } else { printTable(rows) }
    }

    /// Runs `Benchmarks/oneshot_torch.py` on the same sentences, threads and repeats: mean cosine
    /// and median seconds per case.
    func runPeer(dir: String, corpus: SentenceCorpus, cases: [String], console: Console) throws -> [String: (Double,
            Double)] {
        let tmp = NSTemporaryDirectory() + "prune-bench-oneshot-\(getpid())"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try corpus.calibration.joined(separator: "\n").write(toFile: tmp + "/calibration.txt", atomically: true,
                                                             encoding: .utf8)
        try corpus.evaluation.joined(separator: "\n").write(toFile: tmp + "/evaluation.txt", atomically: true,
                                                            encoding: .utf8)
        console.progress("PyTorch peer: \(cases.count) cases × \(repeats) runs …")
        var torch: [String: (Double, Double)] = [:]
        for o in PythonPeer.objects(["Benchmarks/oneshot_torch.py", dir, tmp + "/calibration.txt",
                                     tmp + "/evaluation.txt", String(ProcessInfoCores.count), String(repeats)] + cases) {
            guard let m = o["method"] as? String, let s = o["spec"] as? String,
                  let c = o["meanCosine"] as? Double, let t = o["seconds"] as? Double else { continue }
            torch["\(m):\(s)"] = (c, t)
        }
        if torch.isEmpty {
            console.info("PyTorch peer unavailable (python3 with torch and sentence-transformers, run from the repository root)")
        }
        return torch
    }

    func printTable(_ rows: [Row]) {
        print("all-MiniLM-L6-v2, \(calibrationCount) calibration and \(evalCount) held-out sentences from \(text) "
              + "(seed \(seed)), \(ProcessInfoCores.count) threads on both sides; peak memory \(peakResidentBytes() / 1_000_000) MB")
        print("time: median of \(repeats) runs; both clocks cover tokenization, batching by token length, statistics and pruning")
        print("| pruned | method | mean cosine | top-1 agreement | top-10 overlap | parameters | time | PyTorch mean cosine "
              + "| PyTorch time | time ratio (PyTorch / Prune) |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for r in rows {
            let tc = r.torchMeanCosine.map { String(format: "%.4f (Δ %+.4f)", $0, r.meanCosine - $0) } ?? "–"
            let tt = r.torchSeconds.map { String(format: "%.2f s", $0) } ?? "–"
            let ratio = r.torchSeconds.map { String(format: "%.2f×", $0 / r.seconds) } ?? "–"
            print(String(format: "| %@ | %@ | %.4f | %.1f%% | %.1f%% | %.2f M | %.2f s | %@ | %@ | %@ |", r.setting,
                         r.method,
                         r.meanCosine, r.top1Agreement * 100, r.top10Overlap * 100, Double(r.parameters) / 1e6, r.seconds,
                         tc, tt, ratio))
        }
    }
}
