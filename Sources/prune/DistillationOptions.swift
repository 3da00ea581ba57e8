import ArgumentParser
import Foundation
import Prune

/// The distillation options of `prune llm structured` (recovery by KL on the dense model's logits).
struct DistillationOptions: ParsableArguments {
    @Option(name: .customLong("distill-steps"), help: ArgumentHelp(
        "Recover by distillation from the dense model: this many optimizer steps (0: none).",
        discussion: "Each step reads --distill-batch fresh windows of --distill-length calibration tokens."))
    var steps = 0

    @Option(name: .customLong("distill-train"), help: "What trains: lora (adapters merged at the end) or all.")
    var train = "lora"

    @Option(name: .customLong("lora-rank"), help: "LoRA rank.")
    var loraRank = 8

    @Option(name: .customLong("lora-alpha"), help: "LoRA alpha (the update is scaled by alpha / rank).")
    var loraAlpha: Float = 16

    @Option(name: .customLong("distill-lr"),
            help: ArgumentHelp("Adam learning rate of the distillation (default: 1e-3 for lora, 5e-5 for all)."))
    var learningRate: Float?

    @Option(name: .customLong("distill-batch"), help: "Windows per distillation step.")
    var batch = 1

    @Option(name: .customLong("distill-length"), help: "Tokens per distillation window.")
    var length = 256

    @Option(name: .customLong("distill-temperature"), help: "Softmax temperature of the KL loss.")
    var temperature: Float = 1

    func validate() throws {
        try OptionBounds.atLeast(steps, 0, "--distill-steps")
        try OptionBounds.atLeast(loraRank, 1, "--lora-rank")
        try OptionBounds.atLeast(batch, 1, "--distill-batch")
        try OptionBounds.atLeast(length, 2, "--distill-length")
        for (v, name) in [(learningRate ?? 1, "--distill-lr"), (temperature, "--distill-temperature"),
                          (loraAlpha, "--lora-alpha")] where !(v > 0 && v.isFinite) {
            throw ValidationError("\(name) must be a positive number, got \(v)")
        }
        _ = try trainables()
    }

    func trainables() throws -> any DistillationTrainables {
        switch train {
        case "lora": return LoRAAdapters(rank: loraRank, alpha: loraAlpha)
        case "all": return AllWeightsTrainable()
        default: throw ValidationError("--distill-train must be lora or all, got '\(train)'")
        }
    }

    func configure(_ job: inout DecoderStructuredJob, seed: UInt64) throws {
        guard steps > 0 else { return }
        var d = LogitDistillation(steps: steps, trainables: try trainables())
        d.learningRate = learningRate ?? d.learningRate
        d.windowsPerStep = batch; d.temperature = temperature; d.seed = seed
        job.distillation = d
        job.distillationLength = length
    }
}
