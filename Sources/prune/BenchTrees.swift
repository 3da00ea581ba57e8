import ArgumentParser
import DecisionTrees
import Foundation

/// `prune bench trees`: size and cross-validated accuracy of every decision-tree pruning method.
struct BenchTrees: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trees",
        abstract: "Table of leaves, depth and 10-fold CV accuracy per data set and pruning method (vs the unpruned tree).")

    @Option(help: "Comma-separated data sets (bundled names or fashion-mnist-7x7).")
    var sets: String = "iris,wine,breast-cancer,digits,fashion-mnist-7x7"
    @Option(help: "Cross-validation folds.") var folds: Int = 10
    @Option(help: "Rows of fashion-mnist-7x7.") var rows: Int = 10_000
    @OptionGroup var common: CommonOptions
    var seed: UInt64 { common.seed ?? 0 }
    var json: Bool { common.json }

    struct Row: Encodable {
        var data: String, method: String, rows: Int
        var meanLeaves: Double, meanDepth: Double, meanNodes: Double
        var meanAccuracy: Double, stdAccuracy: Double
        var seconds: Double
    }

    /// The methods compared: name, growth options, post-pruning.
    static let methods: [(String, TreeGrowthOptions, TreePruningMethod)] = [
        ("unpruned", .init(), .none),
        ("pre: min 5 per leaf", .init(minSamplesLeaf: 5), .none),
        ("pre: chi² at 0.05", .init(chiSquaredSignificance: 0.05), .none),
        ("ccp, CV min", .init(), .costComplexity(alpha: nil, rule: .minimumError, folds: 5)),
        ("ccp, CV 1-SE", .init(), .costComplexity(alpha: nil, rule: .oneStandardError, folds: 5)),
        ("rep (25% pruning set)", .init(), .reducedError(validationFraction: 0.25)),
        ("ebp (C4.5, CF 0.25)", .init(), .errorBased(confidence: 0.25)),
        ("ebp, C4.5 defaults (CF 0.25, min 2 per leaf)", .init(criterion: .entropy, minSamplesLeaf: 2),
         .errorBased(confidence: 0.25)),
        ("pep", .init(), .pessimistic),
    ]

    func run() throws {
        let console = Console(quiet: false, json: json)
        var table: [Row] = []
        for name in sets.split(separator: ",").map(String.init) {
            let data = try TreeData.load(name, target: nil, kind: .auto, rows: rows)
            guard data.target.isClassification else { throw CLIError("bench trees: \(name) is not a classification set") }
            for (label, growth, method) in Self.methods {
                let t0 = Date()
                let pipeline = TreePruningPipeline(growth: growth, method: method, seed: seed)
                let results = try pipeline.crossValidate(data, folds: folds,
                                                         seed: seed) { console.progress("\(name) \(label): fold \($0)/\(folds)") }
                let acc = results.map(\.testScore)
                let mean = acc.reduce(0, +) / Double(acc.count)
                let std = (acc.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(acc.count - 1,
                                                                                         1))).squareRoot()
                func avg(_ f: (TreeSize) -> Int) -> Double { Double(results.map { f($0.size) }.reduce(0,
                        +)) / Double(results.count) }
                table.append(Row(data: name, method: label, rows: data.rowCount, meanLeaves: avg(\.leaves),
                                 meanDepth: avg(\.depth),
                                 meanNodes: avg(\.nodes), meanAccuracy: mean, stdAccuracy: std, seconds: Date().timeIntervalSince(t0)))
            }
        }
        console.endProgress()
        if json { try console.emitJSON(table); return }
        print("Decision-tree pruning, \(folds)-fold cross-validation (seed \(seed)); leaves and depth are fold means")
        print("| data | method | leaves | depth | test accuracy (mean ± std) | Δ accuracy vs unpruned | time |")
        print("|---|---|---|---|---|---|---|")
        var base: Row?
        for r in table {
            if r.method == "unpruned" { base = r }
            let delta = base.map { String(format: "%+.2f pts", (r.meanAccuracy - $0.meanAccuracy) * 100) } ?? "–"
            print(String(format: "| %@ (%d rows) | %@ | %.1f | %.1f | %.2f%% ± %.2f | %@ | %.1f s |", r.data, r.rows,
                         r.method, r.meanLeaves,
                         r.meanDepth, r.meanAccuracy * 100, r.stdAccuracy * 100, delta, r.seconds))
        }
        // Averages over the data sets, per method: leaves relative to unpruned, accuracy difference.
        print("\nAverage over the data sets: leaves as a fraction of the unpruned tree's, and accuracy difference")
        print("| method | leaves / unpruned | Δ accuracy |")
        print("|---|---|---|")
        for (label, _, _) in Self.methods where label != "unpruned" {
            var ratios: [Double] = [], deltas: [Double] = []
            for r in table where r.method == label {
                guard let b = table.first(where: { $0.data == r.data && $0.method == "unpruned" }) else { continue }
                ratios.append(r.meanLeaves / b.meanLeaves); deltas.append(r.meanAccuracy - b.meanAccuracy)
            }
            guard !ratios.isEmpty else { continue }
            print(String(format: "| %@ | %.3f | %+.2f pts |", label, ratios.reduce(0, +) / Double(ratios.count),
                         deltas.reduce(0, +) / Double(deltas.count) * 100))
        }
    }
}
