import ArgumentParser
import Foundation
import Prune

/// `prune prune`: prune a trained built-in model with one criterion, pattern, scope and schedule.
struct PruneModel: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune",
        abstract: "Prune a trained model (built-in or ONNX): criterion × granularity × scope × schedule, fine-tune, report, save.",
        discussion: """
        Example: prune prune --model lenet300 --weights runs/lenet300.safetensors --criterion magnitude \
        --granularity unstructured --scope global --sparsity 0.9 --schedule iterative --finetune-epochs 2 \
        --out runs/lenet300-90.safetensors

        ONNX: prune prune model.onnx --calibration fashion-mnist --structured --ratio 0.5 --out pruned.onnx
        (an .onnx output is ONNX that onnxruntime runs; a .safetensors output holds the pruned parameters).
        A built-in model written to an .onnx path is exported as ONNX too (opset 17, one image per batch row).
        """)

    @Argument(help: "An ONNX model to prune (instead of --model and --weights).") var file: String?
    @Option(help: "Model: lenet300, lenet5, vgg-small, resnet-small, or an .onnx file.") var model: String = "lenet300"
    @Option(help: "Trained weights (safetensors) of a built-in model.") var weights: String?
    @Option(help: "Examples to calibrate, fine-tune and measure on: fashion-mnist (default), or a safetensors file with inputs \"x\" [N, …] and optional \"labels\" (without labels, accuracy is agreement with the dense model).")
    var calibration: String?
    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Criterion: \(ImportanceRegistry.names.joined(separator: ", ")).",
            transform: CriterionName.init(parsing:))
    var criterion: CriterionName = .magnitude
    @Option(help: "Granularity: unstructured, N:M (e.g. 2:4), blockRxC (e.g. block4x1), channels, input-channels.",
            transform: SparsityPattern.init(parsing:))
    var granularity: SparsityPattern = .unstructured
    @Option(help: ArgumentHelp("Scope: global, layerwise, or protected (global keeping --protect of every layer); "
                               + "default global, layerwise for wanda."), transform: ScopeChoice.init(parsing:))
    var scope: ScopeChoice?
    @Option(help: ArgumentHelp("Per-layer sparsities from a density allocation instead of a scope: uniform, er, erk "
                               + "(Erdős–Rényi(-Kernel), as RigL and SET allocate) or owl (outlier-weighted, from "
                               + "calibration inputs), at every step of the schedule."))
    var allocation: String?
    @Option(help: "Protected scope: the fraction of each layer's groups always kept.") var protect: Double = 0.02
    @Option(help: "Per-layer sparsities, e.g. fc1.weight=0.95,fc3.weight=0.5 (other layers use --sparsity).") var layerSparsity: String?
    @Option(help: "Only prune weights matching these patterns (comma-separated, * wildcard).") var include: String?
    @Option(help: "Leave weights matching these patterns dense (comma-separated, * wildcard).") var exclude: String?
    @Flag(help: "Leave the first and last prunable layers dense.") var keepFirstLast = false
    @Option(help: "Fraction of the in-scope weights to remove (default 0.9; N:M fixes it at 1 − N/M).") var sparsity: Double?
    @Option(help: "Schedule: oneshot, iterative, agp, dns (dynamic network surgery during fine-tuning).",
            transform: ScheduleName.init(parsing:)) var schedule: ScheduleName = .oneShot
    @Option(help: "Iterative: fraction of the remaining weights removed per round.") var rate: Double = 0.5
    @Option(help: "Fine-tuning epochs (per round for iterative; in total for agp).") var finetuneEpochs: Int = 1
    @Option(help: "Base learning rate (Adam).") var lr: Float = 1e-3
    @Option(help: "Fine-tuning learning-rate multiplier.") var lrMultiplier: Float = 0.1
    @Option(help: "AGP: prune every this many steps.") var agpFrequency: Int = 100
    @Option(help: "AGP: fraction of the fine-tuning steps over which sparsity ramps up.") var agpRamp: Double = 0.75
    @Option(help: "Distil from the dense model with this weight on the KL term (0 = off).") var distillWeight: Float = 0
    @Option(help: "Distillation temperature.") var temperature: Float = 4
    @Option(help: "Calibration batches for data-driven criteria.") var calibrationBatches: Int = 16
    @OptionGroup var common: CommonOptions
    var seed: UInt64 { common.seed ?? 0 }
    @Option(help: "Iterative: skip a round's fine-tuning when pruning cost less than this accuracy (fraction, e.g. 0.005; ICE-Pruning).")
    var skipBelowDrop: Double?
    @Flag(help: "Remove whole channels through the dependency graph (a physically smaller model) instead of masking.") var structured = false
    @Option(help: ArgumentHelp("Structured: flops, parameters, latency, energy (fraction of dense to keep; latency "
                               + "and energy need --ratio-search) or channels (fraction of each group's channels to "
                               + "remove)."),
            transform: StructuredTargetKind.init(parsing:))
    var structuredTarget: StructuredTargetKind = .flops
    @Option(help: "Structured: the ratio for --structured-target.") var ratio: Double = 0.5
    @Option(help: "Structured: channel importance, any criterion (l1, l2, bn = BatchNorm |γ|, fpgm, taylor, apoz, …).",
            transform: CriterionName.init(parsing:))
    var channelImportance: CriterionName = .l2
    @Option(help: "Structured: combine member scores by sum, mean or max.", transform: GroupAggregation.init(parsing:))
    var aggregation: GroupAggregation = .sum
    @Option(help: "Structured: every group keeps at least this fraction of its channels.") var minimumKept: Double = 0.1
    @Option(help: "Structured: round every kept channel count up to a multiple of this (8 or 16 suit vectorized engines such as onnxruntime).")
    var roundTo: Int = 1
    @Option(help: ArgumentHelp("Structured: refit the layers that lost input channels to the dense outputs on the "
                               + "calibration data: weights (least squares, He et al. 2017) or scales (ThiNet)."))
    var reconstruct: String?
    @Option(help: ArgumentHelp("Structured, FLOPs target: choose per-group ratios instead of ranking channels "
                               + "globally: random (EagleEye), evolutionary, sensitivity (each group pruned alone, "
                               + "the least sensitive allocation that meets the target) or amc (a DDPG agent, "
                               + "He et al. 2018); candidates are scored by held-out accuracy after pruning and a "
                               + "BatchNorm recalibration."))
    var ratioSearch: String?
    @Option(help: ArgumentHelp("Structured: re-estimate the BatchNorm statistics on this many training batches of 64 "
                               + "right after the channels go (EagleEye's adaptive BatchNorm; 0 = off)."))
    var recalibrateBn = 0
    @Option(help: ArgumentHelp("Structured: make the model this many times faster (--structured-target latency "
                               + "--ratio 1/X), measured on --latency-engine."))
    var speedup: Double?
    @Option(help: ArgumentHelp("Latency target: measure the lookup table and the result on prune (this engine) or "
                               + "onnxruntime (python3 with onnxruntime)."))
    var latencyEngine = "prune"
    @Option(help: "Latency target: examples per timed call (1 = single-example latency).") var latencyBatch = 1
    @Option(help: ArgumentHelp("Latency target: a lookup-table file, read when it exists (same model, engine and "
                               + "batch), else measured and saved there for the next run."))
    var latencyTable: String?
    @Option(help: "Ratio search: candidates per generation.") var searchPopulation = 16
    @Option(help: ArgumentHelp("Ratio search: generations (random scores population × generations candidates, "
                               + "amc plays as many episodes)."))
    var searchGenerations = 8
    @Option(help: "Structured: first remove this many residual blocks (identity shortcut, smallest ‖body(x)‖/‖x‖).") var removeBlocks: Int = 0
    @Flag(help: ArgumentHelp("Structured: reach the FLOPs target step by step, each step removing a residual block "
                             + "or 10% of the MACs in filters, whichever keeps the features entering the last layer "
                             + "most similar (linear CKA) per MAC removed."))
    var layerOrFilterCka = false
    @Option(help: ArgumentHelp("Structured, --channel-importance dcp: first train this many epochs with an auxiliary "
                               + "classifier on the input of every layer that reads a prunable group (DCP's "
                               + "stage-wise step)."))
    var dcpStageEpochs = 0
    @Option(help: ArgumentHelp("Search for the highest --sparsity whose accuracy after fine-tuning stays within this "
                               + "drop of the dense model's (a fraction: 0.005 is half a point), by bisection; "
                               + "--out receives the best trial's model."))
    var maxDrop: Double?
    @Option(help: "The search's highest sparsity (tried first).") var searchUpTo = 0.99
    @Option(help: "The search stops when the passing and failing sparsities are this close.")
    var searchTolerance = 0.01
    @Option(help: "Where to write the pruned model (.safetensors, or .onnx for onnxruntime); never the input file.")
    var out: String?
    @Flag(help: "Continue a killed run from the checkpoint beside --out (<out>.resume).") var resume = false
    @Option(help: "Also write the report as a self-contained HTML page with plots.") var report: String?
    var json: Bool { common.json }
    var quiet: Bool { common.quiet }

    func validate() throws {
        guard let speedup else { return }
        guard structured else { throw ValidationError("--speedup is a structured target: add --structured") }
        guard speedup.isFinite, speedup >= 1 else { throw ValidationError("--speedup must be at least 1, got \(speedup)") }
    }

    var settings: PruneSettings {
        var s = PruneSettings()
        s.criterion = criterion; s.granularity = granularity; s.scope = scope; s.protect = protect
        s.allocation = allocation
        s.include = include.map { $0.split(separator: ",").map(String.init) } ?? []
        s.exclude = exclude.map { $0.split(separator: ",").map(String.init) } ?? []
        s.keepFirstLast = keepFirstLast; s.sparsity = sparsity; s.schedule = schedule; s.rate = rate
        s.agpFrequency = agpFrequency; s.agpRamp = agpRamp; s.calibrationBatches = calibrationBatches
        s.finetuneEpochs = finetuneEpochs; s.learningRate = lr; s.learningRateMultiplier = lrMultiplier
        s.distillWeight = distillWeight; s.temperature = temperature; s.seed = seed
        s.skipFineTuningBelowDrop = skipBelowDrop
        if structured {
            var st = StructuredSettings()
            st.target = structuredTarget; st.ratio = ratio; st.importance = channelImportance; st.aggregation = aggregation
            st.minimumKept = minimumKept; st.removeBlocks = removeBlocks; st.roundTo = roundTo
            st.layerOrFilter = layerOrFilterCka; st.dcpStageEpochs = dcpStageEpochs
            st.reconstruction = reconstruct
            st.search = ratioSearch?.lowercased(); st.searchPopulation = searchPopulation
            st.searchGenerations = searchGenerations; st.recalibrationBatches = recalibrateBn
            st.latencyEngine = latencyEngine.lowercased(); st.latencyBatch = latencyBatch
            st.latencyTable = latencyTable
            if let speedup { st.target = .latency; st.ratio = 1 / speedup }
            s.structured = st
        }
        return s
    }

    func layerRatios() throws -> [String: Double] {
        var ratios: [String: Double] = [:]
        for item in (layerSparsity ?? "").split(separator: ",") {
            let kv = item.split(separator: "=")
            guard kv.count == 2, let v = Double(kv[1]) else { throw CLIError("prune: --layer-sparsity item \"\(item)\" is not PATH=VALUE") }
            ratios[String(kv[0])] = v
        }
        return ratios
    }

    func run() throws {
        let console = Console(quiet: quiet, json: json)
        do {
            var s = settings
            s.layers = try layerRatios()
            let modelName = file ?? model
            guard PruningModelSource.isONNX(modelName) || weights != nil else {
                throw CLIError("prune: give --weights for the built-in model \(modelName), or an ONNX file")
            }
            var inputs = PruningJob.Inputs(model: modelName, weights: weights ?? modelName, settings: s, out: out,
                                            calibration: calibration)
            inputs.resume = resume
            if let report { try AtomicFile.checkDestination(report) }
            if let maxDrop { return try search(inputs, maxDrop: maxDrop, console: console) }
            let result = try PruningJob.run(inputs, data: dataOptions.source, log: console)
            if json { try console.emitJSON(result) } else { print(result.table()) }
            if let report { try result.htmlReport(title: "Pruning report (\(modelName))").write(to: report) }
            if let out { console.info("saved \(out)") }
        } catch let e as CLIError {
            throw e
        } catch let e as TrainingStopped {
            throw console.stoppedOnRequest("prune: \(e)", checkpoint: PathText.short(out ?? "") + JobCheckpoint.suffix)
        } catch {
            throw CLIError("prune: \(error)")
        }
    }

    /// `--max-drop`: the bisection over the sparsity.
    func search(_ inputs: PruningJob.Inputs, maxDrop: Double, console: Console) throws {
        if resume { throw CLIError("prune: --resume does not apply to --max-drop (each trial is a fresh run)") }
        let bisection = try SparsityBisection(maxDrop: maxDrop, upperBound: searchUpTo, tolerance: searchTolerance)
        let report = try SparsitySearchJob.run(inputs, search: bisection, data: dataOptions.source, log: console)
        if json { try console.emitJSON(report); return }
        print("| trial | sparsity | accuracy | within the drop |\n|---|---|---|---|")
        for (i, t) in report.trials.enumerated() {
            print(String(format: "| %d | %.2f%% | %.2f%% | %@ |", i + 1, t.sparsity * 100, t.metric * 100,
                         t.passed ? "yes" : "no"))
        }
        guard let best = report.best else {
            print(String(format: "no tried sparsity stays within %.2f points of the dense model", maxDrop * 100))
            return
        }
        print(best.table())
        print(String(format: "highest sparsity within %.2f points: %.2f%% (%d trials, %.0f s)", maxDrop * 100,
                     best.scopeSparsity * 100, report.trials.count, report.seconds))
        if let out { console.info("saved \(out)") }
    }
}
