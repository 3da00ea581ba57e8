import Foundation

/// One whole pruning job from settings: load (or train) the dense model, read the data, calibrate,
/// prune (masks with a schedule, or physical channel removal), fine-tune, report, save. The CLI's
/// `prune prune` and `prune run` and the recipes only build its inputs and print its report.
public enum PruningJob {
    public struct Inputs {
        /// A built-in architecture name, or an ONNX file.
        public var model: String
        /// Safetensors weights of a built-in model (ignored for ONNX).
        public var weights: String
        public var trainIfMissing: (epochs: Int, seed: UInt64, learningRate: Float)?
        public var settings: PruneSettings
        public var out: String?
        public var validate: ((any Module) throws -> Void)?
        /// nil or "fashion-mnist", or a safetensors file of inputs (see ``PruningDataset``).
        public var calibration: String?
        /// Continue from the checkpoints a killed run left (`<weights>.resume` for the dense training,
        /// `<out>.resume` for the pruning schedule); they are written whenever `out` is given.
        public var resume = false
        /// Called with the checkpoint's path each time one is written; throwing stops the job there,
        /// as a kill would (a caller's hook for progress, and for tests of resuming).
        public var checkpointWritten: ((String) throws -> Void)?

        public init(model: String, weights: String, trainIfMissing: (epochs: Int, seed: UInt64,
                                                                     learningRate: Float)? = nil,
                    settings: PruneSettings, out: String? = nil, validate: ((any Module) throws -> Void)? = nil,
                    calibration: String? = nil) {
            self.model = model; self.weights = weights; self.trainIfMissing = trainIfMissing; self.settings = settings
            self.out = out; self.validate = validate; self.calibration = calibration
        }
    }

    public static func run(_ inputs: Inputs, data: ImageDataSource,
                           log: any JobLog = SilentLog()) throws -> PruningReport {
        let isONNX = PruningModelSource.isONNX(inputs.model)
        let inputFile = isONNX ? inputs.model : inputs.weights
        if let out = inputs.out, AtomicFile.isSamePath(out, inputFile) {
            throw JobError("the output \(out) is the input model; write the pruned model elsewhere")
        }
        if !isONNX, inputs.trainIfMissing != nil, !FileManager.default.fileExists(atPath: inputs.weights) {
            // The job will train and save the dense model; its folder (often the output's) is made now.
            let dir = (inputs.weights as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        }
        if let out = inputs.out { try AtomicFile.checkDestination(out) }
        try inputs.settings.plan(trainCount: 1).validate()
        let source = isONNX ? try PruningModelSource.onnx(inputs.model, log: log)
            : try PruningModelSource.zoo(inputs.model, weights: inputs.weights, trainIfMissing: inputs.trainIfMissing,
                                         data: data, log: log, resume: inputs.resume)
        let dataset = try PruningDataset.load(calibration: inputs.calibration, data: data, model: source.module,
                                              log: log)
        try dataset.check(fits: source.onnx)
        try inputs.validate?(source.module)
        if let structured = inputs.settings.structured {
            var settings = inputs.settings
            settings.batchSize = data.batchSize
            let checkpoints = TrainingCheckpoints(path: inputs.out.map { $0 + JobCheckpoint.suffix },
                                                  resume: inputs.resume,
                                                  fingerprint: fingerprint(inputs, settings: settings)
                                                      + "|structured \(structured)")
            let job = StructuredJob(source: source, dataset: dataset, settings: inputs.settings,
                                    structured: structured, batchSize: data.batchSize, log: log,
                                    checkpoints: checkpoints, checkpointWritten: inputs.checkpointWritten)
            return try job.run(out: inputs.out)
        }
        return try runMasks(source, inputs: inputs, dataset: dataset, batchSize: data.batchSize, log: log)
    }

    /// Masks with the settings' criterion, pattern, scope and schedule, then the baked model saved.
    static func runMasks(_ source: PruningModelSource, inputs: Inputs, dataset: PruningDataset, batchSize: Int,
                         log: any JobLog) throws -> PruningReport {
        var settings = inputs.settings
        settings.batchSize = batchSize
        let plan = try settings.plan(trainCount: dataset.train.count)
        let teacher: (any Module)? = plan.fineTuning.distillation != nil ? try source.reload() : nil
        let scope = settings.effectiveScope(plan.criterion)
        let spread = settings.allocation.map { "allocation \($0)" } ?? "scope \(scope)"
        log.info("pruning \(source.name): \(settings.criterion), \(plan.pattern), \(spread), "
                 + String(format: "sparsity %.2f%%", plan.effectiveSparsity * 100) + ", schedule \(settings.schedule)")
        let data = PruningData(train: dataset.train, test: dataset.test, normalization: dataset.normalization)
        let checkpoints = inputs.out.map {
            JobCheckpointFile(path: $0 + JobCheckpoint.suffix, fingerprint: fingerprint(inputs, settings: settings))
        }
        checkpoints?.written = inputs.checkpointWritten
        let resumption = try checkpoints?.resumption(for: source.module, resume: inputs.resume, log: log)
        var report = try StopRequest.deferringSignals(if: checkpoints != nil) {
            try Pruner.run(source.module, plan: plan, data: data, teacher: teacher, inputShape: dataset.exampleShape,
                           log: { log.info($0) }, checkpoints: checkpoints, resumption: resumption)
        }
        for l in report.layers where l.inScope && l.parameters > 0 && l.nonzeros == 0 {
            log.warning("warning: \(l.path) lost every weight (the \(scope) threshold fell above all its scores); "
                        + "--scope layerwise or --scope protected keeps part of every layer")
        }
        if let out = inputs.out {
            report.fileBytes = try source.save(to: out, metadata: [:], exampleShape: dataset.exampleShape)
        }
        checkpoints?.finish()
        return report
    }

    /// What a pruning checkpoint must agree with to be resumed: the model, its weights file and every
    /// setting that changes the result, and the thread count (sums are ordered by it).
    static func fingerprint(_ inputs: Inputs, settings s: PruneSettings) -> String {
        let size = (try? FileManager.default.attributesOfItem(atPath: inputs.weights)[.size] as? Int) ?? 0
        let layers = s.layers.keys.sorted().map { "\($0)=\(s.layers[$0]!)" }.joined(separator: ",")
        return ["prune", inputs.model, "\(inputs.weights)(\(size) bytes)", "\(s.criterion)", "\(s.granularity)",
                "\(String(describing: s.scope))", "allocation \(s.allocation ?? "none")", "\(s.protect)", layers,
                s.include.joined(separator: ","),
                s.exclude.joined(separator: ","), "\(s.keepFirstLast)", "\(String(describing: s.sparsity))",
                "\(s.schedule)", "\(s.rate)", "\(s.agpFrequency)", "\(s.agpRamp)", "\(s.calibrationBatches)",
                "\(s.finetuneEpochs)", "\(s.learningRate)", "\(s.learningRateMultiplier)", "\(s.distillWeight)",
                "\(s.temperature)", "\(s.batchSize)", "\(s.seed)", "\(String(describing: s.skipFineTuningBelowDrop))",
                inputs.calibration ?? "", "threads \(ProcessInfoCores.count)"].joined(separator: "|")
    }

    /// Test-set accuracy and the wall time of the forward passes (warm-up, then the median of three:
    /// the dense and the pruned model are timed alike).
    static func timedAccuracy(_ model: any Module, _ test: LabeledImages,
                              normalization: (mean: Float, std: Float)) throws -> (accuracy: Double, seconds: Double) {
        let loader = try DataLoader(test, batchSize: 256, mean: normalization.mean, std: normalization.std)
        var accuracy = 0.0
        let seconds = try MedianTiming(rounds: 3, minSeconds: 0).seconds {
            accuracy = Double(try Trainer.evaluate(model, loader: loader).requireFinite().accuracy)
        }
        return (accuracy, seconds)
    }
}
