import ArgumentParser
import Foundation
import Prune

/// `prune bench pruning`: the schedule and criterion tables on LeNet-300-100 / Fashion-MNIST.
struct BenchPruning: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pruning",
        abstract: "Tables: one-shot vs iterative vs AGP at 90%, and criteria at 70% one-shot (LeNet-300-100, Fashion-MNIST).")

    @Option(help: "Dense weights of lenet300 (trained here with seed 0 for 12 epochs when absent).") var weights: String = "runs/lenet300.safetensors"
    @Option(help: "Which table: schedules, criteria, neurons, targets, all.") var table: String = "all"
    @Option(help: "Fine-tuning epochs of every schedule in the schedules table.") var budget: Int = 8
    @Option(help: "Fine-tuning learning-rate multiplier.") var lrMultiplier: Float = 0.5
    @OptionGroup var common: CommonOptions
    var seed: UInt64 { common.seed ?? 0 }
    @OptionGroup var options: DataOptions
    var json: Bool { common.json }

    struct Row: Encodable {
        var table: String, setting: String, sparsity: Double
        var dense: Double, afterPruning: Double?, afterFineTuning: Double?
        var seconds: Double
    }

    func run() throws {
        let console = Console(quiet: false, json: json)
        let train = try options.load(.train), test = try options.load(.test)
        let data = PruningData(train: train, test: test, normalization: (DataOptions.mean, DataOptions.std))
        if !FileManager.default.fileExists(atPath: weights) {
            console.info("training the dense LeNet-300-100 (12 epochs, seed 0) into \(weights)")
            let net = try DenseTraining.train(model: "lenet300", data: train, epochs: 12, seed: 0, learningRate: 1e-3,
                                              batchSize: 64)
            try FileManager.default.createDirectory(atPath: (weights as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Safetensors.write(net.stateDict(), to: weights)
        }
        let state = try Safetensors.read(weights)
        var rows: [Row] = []
        for (table, setting, plan) in try plans(batchesPerEpoch: (train.count + 63) / 64) {
            let t0 = Date()
            console.progress("\(table): \(setting)")
            let model = try ModelZoo.make("lenet300", seed: 0)
            try model.load(state, file: weights)
            let report = try Pruner.run(model, plan: plan, data: data, inputShape: [1, 28, 28])
            rows.append(Row(table: table, setting: setting, sparsity: report.scopeSparsity,
                            dense: report.accuracyDense ?? 0,
                            afterPruning: report.accuracyAfterPruning, afterFineTuning: report.accuracyAfterFineTuning,
                            seconds: Date().timeIntervalSince(t0)))
        }
        console.endProgress()
        if json { try console.emitJSON(rows); return }
        printTables(rows)
    }

    private func ft(_ epochs: Int) -> FineTuningOptions {
        FineTuningOptions(epochs: epochs, learningRateMultiplier: lrMultiplier, seed: seed)
    }

    /// The runs of the tables asked for: (table, setting, plan).
    private func plans(batchesPerEpoch batches: Int) throws -> [(String, String, PruningPlan)] {
        var out: [(String, String, PruningPlan)] = []
        let global = PruningScope(distribution: .global), magnitude = MagnitudeImportance()
        if table == "schedules" || table == "all" {
            out.append(("schedules", "one-shot, then \(budget) epochs",
                        PruningPlan(criterion: magnitude, scope: global, sparsity: 0.9, fineTuning: ft(budget))))
            let rounds = try IterativeSchedule.targets(rate: 0.5, target: 0.9).count
            out.append(("schedules",
                        "iterative (50% of the rest per round, \(rounds) rounds × \(budget / rounds) epochs)",
                        PruningPlan(criterion: magnitude, scope: global, sparsity: 0.9,
                                    schedule: IterativeSchedule(rate: 0.5, epochsPerRound: budget / rounds),
                                    fineTuning: ft(budget / rounds))))
            let agp = GradualSchedule(initialSparsity: 0, startStep: 0, frequency: 100,
                                      pruningSteps: budget * batches * 3 / 4 / 100)
            out.append(("schedules", "AGP (cubic, every 100 steps over 75% of \(budget) epochs)",
                        PruningPlan(criterion: magnitude, scope: global, sparsity: 0.9, schedule: agp,
                                    fineTuning: ft(budget))))
        }
        if table == "targets" || table == "all" {
            for s in [0.9, 0.95] {
                out.append(("targets", "iterative magnitude, global, \(Int(s * 100))%",
                            PruningPlan(criterion: magnitude, scope: global, sparsity: s,
                                        schedule: IterativeSchedule(rate: 0.5, epochsPerRound: 2), fineTuning: ft(2))))
            }
        }
        if table == "criteria" || table == "all" {
            for name in ["random", "magnitude", "taylor", "fisher", "obd", "wanda", "input-weighted-magnitude",
                         "movement", "lamp"] {
                let scope = name == "lamp" ? global : PruningScope(distribution: .layerwise)
                out.append(("criteria", name + (name == "lamp" ? " (global, as LAMP intends)" : ""),
                            PruningPlan(criterion: try ImportanceRegistry.make(name, seed: seed), scope: scope,
                                        sparsity: 0.7,
                                        fineTuning: ft(1), calibrationBatches: 16, hessianProbes: 1)))
            }
        }
        if table == "neurons" || table == "all" {
            // Neuron (output-channel) masks at 50% per hidden layer; the 10 output logits stay.
            for name in ["random", "l2", "fpgm", "activation", "activation-variance", "apoz", "taylor"] {
                out.append(("neurons", name, PruningPlan(criterion: try ImportanceRegistry.make(name, seed: seed),
                                                         pattern: .outputChannels,
                                                         scope: PruningScope(distribution: .layerwise,
                                                                             exclude: ["fc3"]),
                                                         sparsity: 0.5, fineTuning: ft(1), calibrationBatches: 16)))
            }
        }
        return out
    }

    private func printTables(_ rows: [Row]) {
        func pct(_ x: Double?) -> String { x.map { String(format: "%.2f%%", $0 * 100) } ?? "–" }
        for name in ["schedules", "targets", "criteria", "neurons"] where rows.contains(where: { $0.table == name }) {
            print("\n\(name): LeNet-300-100 on Fashion-MNIST, test accuracy (dense \(pct(rows.first?.dense)))")
            print("| setting | sparsity | after pruning | after fine-tuning | Δ vs dense | time |")
            print("|---|---|---|---|---|---|")
            for r in rows where r.table == name {
                let delta = (r.afterFineTuning ?? r.afterPruning).map { String(format: "%+.2f pts",
                                                                               ($0 - r.dense) * 100) } ?? "–"
                print("| \(r.setting) | \(String(format: "%.2f%%", r.sparsity * 100)) | \(pct(r.afterPruning)) | "
                      + "\(pct(r.afterFineTuning)) | \(delta) | \(String(format: "%.0f s", r.seconds)) |")
            }
        }
    }
}
