import ArgumentParser
import Foundation
import Prune

extension LlamaStructureAxis: ExpressibleByArgument {}
extension LlamaStructureSpread: ExpressibleByArgument {}
extension LlamaStructureRanking: ExpressibleByArgument {}

/// `prune llm structured`: remove key/value groups, query heads, MLP units or blocks of a decoder.
struct LLMStructured: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "structured",
        abstract: "Structured pruning of a decoder: GQA groups or query heads, MLP width, blocks, or a global mix.",
        discussion: """
        --remove is the fraction of the block weights (q/k/v/o and gate/up/down projections: the non-embedding
        parameters, norms aside) to remove. Scores come from one dense pass over calibration windows; the model
        is then cut block by block. Perplexity is reported dense, before recovery and after the least-squares
        refit of o_proj/down_proj (--no-refit skips it), and after distillation from the dense model when
        --distill-steps is given (LoRA adapters merged at the end, or all weights). --spread uniform keeps
        one width per field in every block (loadable by transformers); global ranks structures across blocks
        (GGUF stores per-layer widths).
        """)

    @OptionGroup var text: LLMTextOptions

    @Option(help: ArgumentHelp("heads (whole key/value groups), query-heads (inside groups), width (MLP units), "
            + "depth, global (groups and units), all (groups, units and blocks)."))
    var axis: LlamaStructureAxis = .global

    @Option(help: "Fraction of the block weights (or of --target) to remove, in (0, 1).")
    var remove: Double = 0.2

    @Option(help: "uniform (same count per block) or global (ranked across blocks).")
    var spread: LlamaStructureSpread = .uniform

    @Option(help: ArgumentHelp("Importance: \(StructureImportances.names.joined(separator: ", ")).",
                               discussion: "fluctuation (FLAP) folds removed channels' mean into a bias."))
    var importance: String = "fluctuation"

    @Option(name: .customLong("ablate-heads"), help: ArgumentHelp(
        "Score heads and key/value groups by ablation on the first N calibration windows (0: by --importance).",
        discussion: "Each head and group is removed in turn; its score is the model's mean KL from the dense "
            + "next-token distribution (Michel et al. 2019). One partial forward per head and group."))
    var ablateHeads = 0

    @Option(help: ArgumentHelp("How --spread global and --axis global compare structures: standardized (FLAP: "
            + "z-scores per block and kind) or relative (output error over the residual energy, per weight)."))
    var ranking: LlamaStructureRanking = .relative

    @Option(name: .customLong("keep-heads"), help: ArgumentHelp("With --axis heads or query-heads: query heads each "
            + "block keeps (instead of --remove); must suit the key/value groups."))
    var keepHeads: Int?

    @Flag(name: .customLong("angular"), help: ArgumentHelp("Depth: remove the span of least angular distance "
          + "(Gromov et al.) instead of the blocks of least Block Influence (ShortGPT)."))
    var angular = false

    @Flag(name: .customLong("no-refit"), help: "Skip the least-squares refit (and its perplexity).")
    var noRefit = false

    @Flag(help: "Measure greedy decoding speed (64-token prompt, 128 new tokens, median of 3) dense and pruned.")
    var speed = false

    @OptionGroup var allocation: StructureAllocationOptions

    @OptionGroup var distillation: DistillationOptions

    @OptionGroup var pruning: LLMRunOptions

    @OptionGroup var common: CommonOptions

    func validate() throws {
        try OptionBounds.atLeast(ablateHeads, 0, "--ablate-heads")
        if allocation.blockExcess != nil, spread != .global {
            throw ValidationError("--block-excess bounds --spread global")
        }
        if let keepHeads {
            try OptionBounds.atLeast(keepHeads, 1, "--keep-heads")
            guard axis == .heads || axis == .queryHeads else {
                throw ValidationError("--keep-heads needs --axis heads or --axis query-heads")
            }
        }
        guard remove > 0, remove < 1 else { throw ValidationError("--remove must be in (0, 1), got \(remove)") }
    }

    func run() throws {
        let console = Console(quiet: common.quiet, json: common.json)
        do {
            var base = DecoderOneShotJob(model: try LLMCommand.modelPath(text.model), method: Wanda(), sparsity: nil)
            text.configure(&base)
            pruning.configure(&base, seed: common.seed)
            var job = DecoderStructuredJob(base: base, allocator: LlamaStructureAllocator(
                axis: axis, spread: spread, removeFraction: remove, angularDepth: angular,
                keepHeads: keepHeads))
            job.allocator.ranking = ranking
            allocation.configure(&job.allocator)
            job.importance = try StructureImportances.named(importance)
            job.refit = !noRefit
            job.headAblation = ablateHeads > 0 ? HeadAblation(windows: ablateHeads) : nil
            job.speed = speed ? GenerationSpeed() : nil
            try distillation.configure(&job, seed: common.seed ?? 0)
            let r = try job.run(log: console)
            if common.json { try console.emitJSON(r); return }
            print(r, to: console)
        } catch let e as CLIError { throw e } catch let e as ValidationError { throw e } catch {
            throw CLIError("llm structured: \(error)")
        }
    }

    func print(_ r: DecoderStructuredReport, to console: Console) {
        func ppl(_ p: Perplexity?) -> String { p.map { String(format: "%.3f", $0.perplexity) } ?? "–" }
        console.result(String(format: "%@ (%@, %@): removed %.1f%% of the block weights (%d → %d); perplexity "
                              + "dense %@, pruned %@, refitted %@", r.axis, r.spread, r.importance,
                              100 * r.removedFraction, r.denseWeights, r.prunedWeights, ppl(r.dense), ppl(r.pruned),
                              ppl(r.refitted)))
        if let e = r.blockExcess {
            let asked = allocation.blockExcess ?? LlamaStructureAllocator.defaultBlockExcess
            console.result(String(format: "no block lost more than %.0f%% of its %@ (--block-excess %g%@)",
                                  100 * min(1, remove + e), r.target, e,
                                  e > asked + 1e-9 ? String(format: ", raised from %g to reach the target", asked)
                                                   : ""))
        }
        if r.target != BlockWeightCost().name {
            console.result(String(format: "removed %.1f%% of the %@ (%d → %d)", 100 * r.removedCostFraction, r.target,
                                  r.denseCost, r.prunedCost))
        }
        if let d = r.distillation {
            console.result(String(format: "distilled (%@, %d steps × %d windows, %d tokens, lr %g, %.0f s): "
                                  + "KL %.4f → %.4f; perplexity %@", d.trainables, d.steps, d.windowsPerStep, d.tokens,
                                  d.learningRate, d.seconds, d.firstLoss, d.lastLoss, ppl(r.distilled)))
        }
        if !r.removedBlocks.isEmpty {
            console.result("removed blocks: " + r.removedBlocks.map(String.init).joined(separator: ", "))
        }
        let distinct = Array(Set(r.shapes.map(\.description))).sorted()
        console.result("block shapes: " + (distinct.count == 1 ? distinct[0] : "\(distinct.count) different, e.g. "
                                            + distinct.prefix(3).joined(separator: "; ")))
        if let d = r.denseTokensPerSecond, let p = r.prunedTokensPerSecond {
            console.result(String(format: "greedy decoding: dense %.1f tokens/s, pruned %.1f tokens/s (%.2f×)", d, p,
                                  p / d))
        }
        for o in [r.out, r.ggufOut].compactMap({ $0 }) { console.result("wrote \(o)") }
    }
}
