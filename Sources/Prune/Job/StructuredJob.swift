/// The structured branch of ``PruningJob``: physically removes channels through the dependency
/// graph (any criterion scores them), fine-tunes, times dense against pruned, saves a smaller dense model.
///
/// A checkpoint is written after every fine-tuning epoch. A resumed job chooses the same channels
/// again (the choice is seeded and takes seconds), restores the checkpoint into the smaller model and
/// continues fine-tuning at the next epoch, so it ends with the uninterrupted job's model.
struct StructuredJob {
    let source: PruningModelSource
    let dataset: PruningDataset
    let settings: PruneSettings
    let structured: StructuredSettings
    let batchSize: Int
    let log: any JobLog
    let checkpoints: TrainingCheckpoints
    let checkpointWritten: ((String) throws -> Void)?

    func run(out: String?) throws -> PruningReport {
        let net = source.module, test = dataset.test, norm = dataset.normalization
        let inputShape = dataset.exampleShape
        let dense = try PruningJob.timedAccuracy(net, test, normalization: norm)
        let denseReport = try PruningReport.measure(net, scopePaths: [], inputShape: inputShape)
        log.info(String(format: "dense: accuracy %.2f%%, %d parameters, %d MACs", dense.accuracy * 100,
                        denseReport.totalParameters, denseReport.macs))
        if structured.removeBlocks > 0 { try removeBlocks(net) }
        let hybrid = structured.layerOrFilter ? try layerOrFilter(net) : nil
        let stage = structured.dcpStageEpochs > 0 ? try dcpStageTraining(net) : nil
        let (result, search) = structured.layerOrFilter ? (nil, nil) : try removeChannels(net)
        for g in result?.groups ?? [] where g.channelsAfter < g.channelsBefore {
            log.info("group \(g.group): \(g.channelsBefore) → \(g.channelsAfter) channels "
                     + "(\(g.members.joined(separator: ", ")))")
        }
        for r in result?.refits ?? [] { log.info(Self.describe(r)) }
        try recalibrate(net)
        let afterPruning = try PruningJob.timedAccuracy(net, test, normalization: norm).accuracy
        log.info(String(format: "after removing channels: accuracy %.2f%%", afterPruning * 100))
        let curve = settings.finetuneEpochs > 0 ? try fineTune(net) : []
        let pruned = try PruningJob.timedAccuracy(net, test, normalization: norm)
        let seconds = try timeBothAgain(net)
        var report = try PruningReport.measure(net, scopePaths: Set(PruningTarget.all(in: net).map(\.path)),
                                               inputShape: inputShape)
        report.accuracyDense = dense.accuracy
        report.accuracyAfterPruning = afterPruning
        report.accuracyAfterFineTuning = settings.finetuneEpochs > 0 ? pruned.accuracy : nil
        report.fineTuningCurve = curve.isEmpty ? nil : curve
        report.denseParameters = denseReport.totalParameters
        report.denseMACs = denseReport.macs
        report.denseEnergy = denseReport.denseEnergy
        report.inferenceSecondsDense = seconds.dense
        report.inferenceSecondsPruned = seconds.pruned
        report.settings = ["structured": "\(structured.target) \(structured.ratio)",
                           "importance": structured.importance.name,
                           "aggregation": structured.aggregation.rawValue]
        if let r = structured.reconstruction { report.settings["reconstruct"] = r }
        if structured.recalibrationBatches > 0 {
            report.settings["recalibrate-bn"] = "\(structured.recalibrationBatches) batches"
        }
        if let search { report.settings["search"] = search.summary }
        if let hybrid { report.settings["layer-or-filter"] = hybrid }
        if let stage { report.settings["dcp-stage"] = stage }
        if let table = search?.latency { report.settings["latency"] = try measureLatency(net, table: table) }
        if let out {
            report.fileBytes = try source.save(to: out, metadata: ["prune.structured": "1", "model": source.name],
                                               exampleShape: inputShape)
        }
        checkpoints.finish()
        return report
    }

    /// The dense and the pruned model timed whole on the latency table's engine, in alternation.
    private func measureLatency(_ net: any Module, table: LatencyTable) throws -> String {
        let measurer = try LatencyEngines.measurer(table.engine)
        let c = try source.latencyAgainstDense(net, batch: structured.latencyBatch, exampleShape: dataset.exampleShape,
                                               measurer: measurer)
        let text = String(format: "%@, batch %d: dense %.3f ms → pruned %.3f ms, %.2f× faster (target %.2f×)",
                          table.engine, structured.latencyBatch, c.first * 1e3, c.second * 1e3, 1 / c.fraction,
                          1 / structured.ratio)
        log.info("latency on " + text)
        return text
    }

    /// Adaptive BatchNorm (EagleEye): fresh statistics for the pruned model, when asked.
    private func recalibrate(_ net: any Module) throws {
        let batches = structured.recalibrationBatches
        guard batches > 0, BatchNormRecalibration.applies(to: net) else { return }
        try BatchNormRecalibration(dataset.train, normalization: dataset.normalization, batches: batches,
                                   seed: settings.seed &+ 13).apply(to: net)
        log.info("BatchNorm statistics re-estimated on \(batches) training batches")
    }

    static func describe(_ r: LayerRefit) -> String {
        if let skipped = r.skipped { return "refit \(r.layer): not refit, \(skipped)" }
        return String(format: "refit %@: relative output error %.4f → %.4f on %d patches", r.layer,
                      r.errorBefore ?? .nan, r.errorAfter ?? .nan, r.samples)
    }

    private func removeBlocks(_ net: any Module) throws {
        guard let seq = net as? Sequential else { throw JobError("--remove-blocks works on built-in models, not on imported graphs") }
        let loader = try DataLoader(dataset.train, batchSize: 256, mean: dataset.normalization.mean,
                                    std: dataset.normalization.std)
        var it = loader.makeIterator()
        guard let batch = it.next() else { throw JobError("no training data to score residual blocks") }
        let removed = try ResidualBlockRemoval.remove(structured.removeBlocks, from: seq, inputs: batch.images)
        log.info("removed residual blocks: \(removed.joined(separator: ", "))")
    }

    private func removeChannels(_ net: any Module) throws -> (StructuredResult, RatioSearchStep.Found?) {
        let norm = dataset.normalization
        let calibration = StructuredCalibration(
            loader: try DataLoader(dataset.train, batchSize: batchSize, shuffle: true, seed: settings.seed &+ 7,
                                   mean: norm.mean, std: norm.std),
            batches: settings.calibrationBatches)
        let example = Tensor.zeros([1] + dataset.exampleShape)
        var pruner = try structured.pruner(seed: settings.seed)
        var found: RatioSearchStep.Found?
        if structured.search != nil {
            let step = RatioSearchStep(source: source, dataset: dataset, structured: structured, seed: settings.seed,
                                       log: log)
            found = try step.run(example: example, calibration: calibration)
            log.info("ratio search: " + found!.summary)
            pruner.target = .groupRatios(found!.outcome.best.ratios)
        }
        return (try pruner.prune(net, example: example, calibration: calibration), found)
    }

    /// The CKA-guided choice between removing residual blocks and filters, applied to `net`; its summary.
    private func layerOrFilter(_ net: any Module) throws -> String {
        let norm = dataset.normalization
        var it = try DataLoader(dataset.train, batchSize: 256, shuffle: true, seed: settings.seed &+ 17,
                                mean: norm.mean, std: norm.std).makeIterator()
        guard let probe = it.next()?.images else { throw JobError("no training data to compare features on") }
        let recalibration = structured.recalibrationBatches > 0
            ? try BatchNormRecalibration(dataset.train, normalization: norm, batches: structured.recalibrationBatches,
                                         seed: settings.seed &+ 13) : nil
        let hybrid = try HybridLayerFilterPruning(filters: try structured.pruner(seed: settings.seed),
                                                  keep: structured.ratio, recalibration: recalibration)
        let example = Tensor.zeros([1] + dataset.exampleShape)
        let steps = try hybrid.search(reload: source.reload, example: example, probe: probe) { log.info($0) }
        try hybrid.apply(steps.map(\.action), to: net, example: example)
        let blocks = steps.compactMap(\.action.removed)
        return "cka: \(steps.count) steps, " + (blocks.isEmpty ? "no layer or block removed" : "removed "
                                                + blocks.joined(separator: ", ")) + ", the rest filters"
    }

    /// Fine-tunes; returns the mean loss of each epoch run (a resumed job's curve starts where it resumed).
    private func fineTune(_ net: any Module) throws -> [FineTuningEpoch] {
        var ft = settings.fineTuning
        var curve: [FineTuningEpoch] = []
        ft.batchSize = batchSize
        let resume = try checkpoints.fineTuningResume(model: net, log: log)
        _ = try StopRequest.deferringSignals(if: checkpoints.path != nil) {
            try FineTuner.run(net, data: dataset.train, normalization: dataset.normalization, options: ft,
                              epochs: settings.finetuneEpochs, teacher: nil, progress: { e, n, loss in
                log.progress(String(format: "fine-tuning epoch %d/%d  loss %.4f", e, n, loss))
            }, resume: resume, epochDone: { epoch, optimizer, loss in
                curve.append(FineTuningEpoch(epoch: epoch + 1, loss: loss))
                try checkpoints.save(epochsDone: epoch + 1, model: net, optimizer: optimizer,
                                     written: checkpointWritten)
            }, stopped: checkpoints.path == nil ? nil : { stop in
                log.endProgress()
                try checkpoints.save(stoppedFineTuning: stop, model: net)
            })
        }
        log.endProgress()
        return curve
    }

    /// Times both models again, back to back, so the comparison sees the same machine state.
    private func timeBothAgain(_ net: any Module) throws -> (dense: Double, pruned: Double) {
        let denseAgain = try source.reload()
        var dense = Double.infinity, pruned = Double.infinity
        for _ in 0..<3 {
            dense = min(dense, try PruningJob.timedAccuracy(denseAgain, dataset.test,
                                                            normalization: dataset.normalization).seconds)
            pruned = min(pruned, try PruningJob.timedAccuracy(net, dataset.test,
                                                              normalization: dataset.normalization).seconds)
        }
        return (dense, pruned)
    }
}
