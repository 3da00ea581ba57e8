import Foundation

/// The ratio search of a structured job (`--ratio-search random|evolutionary|sensitivity|amc`): candidates
/// of per-group removal ratios within the FLOPs target are each pruned from a fresh copy of the dense model
/// with the job's criterion, their BatchNorm statistics re-estimated on training batches, and scored by
/// accuracy on the last training examples, which the recalibration does not read (EagleEye's fast sub-net
/// evaluation, Li et al. 2020; a data-driven criterion's calibration batches come from the whole training
/// set); the test set is never used. The best candidate's ratios then prune the job's model.
struct RatioSearchStep {
    let source: PruningModelSource
    let dataset: PruningDataset
    let structured: StructuredSettings
    let seed: UInt64
    let log: any JobLog
    /// Training examples held out for scoring, from the end of the training set.
    var heldOut = 2000
    /// Training batches of 64 the BatchNorm statistics are re-estimated on.
    var recalibrationBatches = 10

    struct Found {
        let outcome: RatioSearchOutcome
        let seconds: Double
        let summary: String
        /// The latency lookup table a latency target was searched under.
        let latency: LatencyTable?
    }

    func run(example: Tensor, calibration: StructuredCalibration) throws -> Found {
        guard let name = structured.search else { throw JobError("no ratio search was asked for") }
        guard structured.removeBlocks == 0 else {
            throw JobError("a ratio search scores fresh copies of the dense model, so it cannot follow --remove-blocks")
        }
        let search = try RatioSearches.make(name, population: structured.searchPopulation,
                                            generations: structured.searchGenerations)
        let dense = try source.reload()
        let graph = try DependencyGraph(tracing: dense, example: example)
        let (held, recalibration) = try scoringData()
        let score: ([Double]) throws -> Double = { ratios in
            let model = try prunedCopy(ratios, example: example, calibration: calibration)
            if BatchNormRecalibration.applies(to: model) { try recalibration.apply(to: model) }
            return Double(try Trainer.evaluate(model, loader: held).requireFinite().accuracy)
        }
        if structured.target == .latency {
            return try meetLatency(search, dense: dense, graph: graph, example: example, calibration: calibration,
                                   score: score)
        }
        let space = try RatioSearchSpace(graph: graph, minimumKept: structured.minimumKept, keep: structured.ratio,
                                         cost: structured.target == .energy ? EnergyCost() : MACsCost(),
                                         roundTo: structured.roundTo)
        let (outcome, seconds) = try searchOnce(search, space: space, score: score)
        return Found(outcome: outcome, seconds: seconds, summary: summary(search, outcome, seconds), latency: nil)
    }

    /// A fresh copy of the dense model pruned to per-group `ratios` by the job's criterion (no refit).
    func prunedCopy(_ ratios: [Double], example: Tensor, calibration: StructuredCalibration) throws -> any Module {
        let model = try source.reload()
        var pruner = try structured.pruner(seed: seed)
        pruner.target = .groupRatios(ratios)
        pruner.reconstruction = nil
        _ = try pruner.prune(model, example: example, calibration: calibration)
        return model
    }

    /// One run of `search` on `space`, with progress and the ratios found logged.
    func searchOnce(_ search: any RatioSearch, space: RatioSearchSpace,
                    score: ([Double]) throws -> Double) throws -> (RatioSearchOutcome, Double) {
        let start = Date()
        let outcome = try search.run(space, seed: seed, score: score, progress: { c, done in
            log.progress(String(format: "%@ search: candidate %d/%d  held-out %.2f%% at %.1f%% %@", search.name,
                                done, search.budget(for: space), c.score * 100, c.costFraction * 100,
                                space.cost.name))
        })
        log.endProgress()
        log.info("searched ratios: " + zip(space.graph.groups, outcome.best.ratios).map { g, r in
            String(format: "%@ %.2f", g.producers.first?.path ?? "group \(g.id)", r)
        }.joined(separator: ", "))
        return (outcome, Date().timeIntervalSince(start))
    }

    func summary(_ search: any RatioSearch, _ outcome: RatioSearchOutcome, _ seconds: Double) -> String {
        let energy = structured.target == .energy
            ? String(format: " (%.1f%% of the estimated energy)", outcome.best.costFraction * 100) : ""
        return String(format: "%@: best held-out %.2f%% at %.1f%% MACs%@, %d candidates in %.0f s", search.name,
                      outcome.best.score * 100, outcome.best.macsFraction * 100, energy, outcome.candidates.count,
                      seconds)
    }

    /// The held-out loader (the last examples of the training set) and the recalibration batches (the
    /// first examples of a shuffled loader over the rest).
    func scoringData() throws -> (DataLoader, BatchNormRecalibration) {
        let train = dataset.train, norm = dataset.normalization
        let held = min(heldOut, train.count / 5)
        guard held > 0 else { throw JobError("the training set is too small to hold examples out for the search") }
        let cut = train.count - held
        let scoring = try LabeledImages(images: train.images.slice(axis: 0, start: cut, end: train.count),
                                        labels: Array(train.labels[cut...]), classes: train.classes)
        let recalibration = try BatchNormRecalibration(try train.prefix(cut), normalization: norm,
                                                       batches: recalibrationBatches, seed: seed &+ 11)
        return (try DataLoader(scoring, batchSize: 256, mean: norm.mean, std: norm.std), recalibration)
    }
}
