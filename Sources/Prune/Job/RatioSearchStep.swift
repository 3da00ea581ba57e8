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
    }

    func run(example: Tensor, calibration: StructuredCalibration) throws -> Found {
        guard let name = structured.search else { throw JobError("no ratio search was asked for") }
        guard structured.removeBlocks == 0 else {
            throw JobError("a ratio search scores fresh copies of the dense model, so it cannot follow --remove-blocks")
        }
        let search = try RatioSearches.make(name, population: structured.searchPopulation,
                                            generations: structured.searchGenerations)
        let graph = try DependencyGraph(tracing: try source.reload(), example: example)
        let space = try RatioSearchSpace(graph: graph, minimumKept: structured.minimumKept, keep: structured.ratio)
        let (held, recalibration) = try scoringData()
        let start = Date()
        let outcome = try search.run(space, seed: seed, score: { ratios in
            let model = try source.reload()
            var pruner = try structured.pruner(seed: seed)
            pruner.target = .groupRatios(ratios)
            pruner.reconstruction = nil
            _ = try pruner.prune(model, example: example, calibration: calibration)
            if BatchNormRecalibration.applies(to: model) { try recalibration.apply(to: model) }
            return Double(try Trainer.evaluate(model, loader: held).requireFinite().accuracy)
        }, progress: { c, done in
            log.progress(String(format: "%@ search: candidate %d/%d  held-out %.2f%% at %.1f%% MACs", name, done,
                                search.budget(for: space), c.score * 100,
                                c.macsFraction * 100))
        })
        log.endProgress()
        let seconds = Date().timeIntervalSince(start), best = outcome.best
        log.info("searched ratios: " + zip(graph.groups, best.ratios).map { g, r in
            String(format: "%@ %.2f", g.producers.first?.path ?? "group \(g.id)", r)
        }.joined(separator: ", "))
        let summary = String(format: "%@: best held-out %.2f%% at %.1f%% MACs, %d candidates in %.0f s", name,
                             best.score * 100, best.macsFraction * 100, outcome.candidates.count, seconds)
        return Found(outcome: outcome, seconds: seconds, summary: summary)
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
