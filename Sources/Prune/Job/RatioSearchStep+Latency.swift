import Foundation

/// A latency target (`--speedup X`, `--structured-target latency`): the ratio search budgets the latency a
/// ``LatencyTable`` predicts, and since a table of layers timed alone misjudges the whole model (an engine
/// fuses operators, plans memory and pays a fixed cost per call), the found model is pruned and timed whole
/// on the same engine; when it misses the target by more than `latencyTolerance` (relative), the table's
/// budget is moved (scaled by target/measured, then along the secant of the last two rounds) and the search
/// runs again, at most `latencyRounds` times (the measure-and-adjust loop of NetAdapt, Yang et al. 2018).
/// Each round times its `timedPerRound` best-scoring candidates whole; the highest-scoring timed candidate
/// within 5% of the target is kept (else the nearest).
extension RatioSearchStep {
    static let latencyRounds = 4
    static let latencyTolerance = 0.03
    /// Candidates may keep between budget − this and the budget of the predicted latency (rounded widths
    /// make a narrow band hard to hit; the measured rounds correct the rest).
    static let latencyBand = 0.08

    func meetLatency(_ search: any RatioSearch, dense: any Module, graph: DependencyGraph, example: Tensor,
                     calibration: StructuredCalibration, score: ([Double]) throws -> Double) throws -> Found {
        let measurer = try LatencyEngines.measurer(structured.latencyEngine)
        let table = try latencyTable(dense, graph: graph, example: example, measurer: measurer)
        let target = structured.ratio
        let sparsest = try Self.sparsestFraction(graph: graph, table: table, structured: structured)
        var budget = min(1, max(target, sparsest + Self.latencyBand)), seconds = 0.0, all: [RatioCandidate] = []
        if budget > target {
            log.info(String(format: "the table predicts at least %.1f%% of the dense latency at the largest ratios; "
                            + "round 1 budgets %.1f%% and the measured rounds correct it", sparsest * 100,
                            budget * 100))
        }
        var timed: [(candidate: RatioCandidate, fraction: Double)] = []
        var tried: [(budget: Double, measured: Double)] = []
        for round in 1...Self.latencyRounds {
            let (space, outcome, took) = try searchWithinBand(search, graph: graph, table: table, budget: budget,
                                                              score: score)
            seconds += took
            all += outcome.candidates
            for c in Self.leaders(outcome, space: space, count: Self.timedPerRound) {
                let pruned = try prunedCopy(c.ratios, example: example, calibration: calibration)
                let fraction = try source.latencyAgainstDense(pruned, batch: structured.latencyBatch,
                                                              exampleShape: Array(example.shape.dropFirst()),
                                                              measurer: measurer).fraction
                timed.append((c, fraction))
                log.info(String(format: "latency round %d: table budget %.1f%%, candidate at %.1f%% predicted → "
                                + "measured %.1f%% of the dense latency (target %.1f%%), held-out %.2f%%", round,
                                budget * 100, c.costFraction * 100, fraction * 100, target * 100, c.score * 100))
            }
            if timed.contains(where: { abs($0.fraction - target) <= Self.latencyTolerance * target }) { break }
            let leader = timed.last { $0.candidate.score == outcome.best.score } ?? timed[timed.count - 1]
            tried.append((budget, leader.fraction))
            budget = min(1, max(Self.nextBudget(tried, target: target), sparsest + Self.latencyBand))
        }
        let chosen = Self.choose(timed, target: target)
        let text = summary(search, RatioSearchOutcome(best: chosen.candidate, candidates: all), seconds)
            + String(format: "; %d timed candidates, chosen at %.1f%% of the dense latency (target %.1f%%)",
                     timed.count, chosen.fraction * 100, target * 100)
        return Found(outcome: RatioSearchOutcome(best: chosen.candidate, candidates: all), seconds: seconds,
                     summary: text, latency: table)
    }

    static let timedPerRound = 3

    /// One search under `budget`, its band widened (×2, twice at most) when no candidate falls in it: the
    /// table's predicted costs can jump over a narrow band (few groups, rounded widths, noisy timings).
    func searchWithinBand(_ search: any RatioSearch, graph: DependencyGraph, table: LatencyTable, budget: Double,
                          score: ([Double]) throws -> Double) throws -> (RatioSearchSpace, RatioSearchOutcome, Double) {
        var band = Self.latencyBand
        while true {
            let space = try RatioSearchSpace(graph: graph, minimumKept: structured.minimumKept, keep: budget,
                                             tolerance: band, cost: table, roundTo: structured.roundTo)
            do {
                let (outcome, took) = try searchOnce(search, space: space, score: score)
                return (space, outcome, took)
            } catch let error as StructuredPruningError where band < 4 * Self.latencyBand {
                log.info(String(format: "latency band %.0f%% below the budget has no candidates (%@); widened",
                                band * 100, "\(error)"))
                band *= 2
            }
        }
    }

    /// The table's predicted latency fraction with every group at the largest ratio (a budget below it plus
    /// the band has no candidates; timings under load can put it above the target).
    static func sparsestFraction(graph: DependencyGraph, table: LatencyTable,
                                 structured: StructuredSettings) throws -> Double {
        let space = try RatioSearchSpace(graph: graph, minimumKept: structured.minimumKept, keep: 1,
                                         tolerance: latencyBand, cost: table, roundTo: structured.roundTo)
        return space.costFraction([Double](repeating: space.maxRatio, count: space.groups))
    }

    /// The next round's table budget: the last budget scaled by target/measured, or the secant through the
    /// last two rounds' (budget, measured) points when its slope is plausible (0.2–5: timings are noisy);
    /// at most 1 (the caller keeps it above the sparsest reachable budget).
    static func nextBudget(_ tried: [(budget: Double, measured: Double)], target: Double) -> Double {
        guard let last = tried.last else { return target }
        var next = last.budget * target / max(last.measured, 1e-9)
        if tried.count >= 2 {
            let before = tried[tried.count - 2]
            let slope = (last.measured - before.measured) / (last.budget - before.budget)
            if slope.isFinite, (0.2...5).contains(slope) { next = last.budget + (target - last.measured) / slope }
        }
        return min(1, next)
    }

    /// The best-scoring candidates of a search with distinct kept widths (ratios that round to the same
    /// widths are one model), best first.
    static func leaders(_ outcome: RatioSearchOutcome, space: RatioSearchSpace, count: Int) -> [RatioCandidate] {
        var seen = Set<[Int]>(), out: [RatioCandidate] = []
        for c in [outcome.best] + outcome.candidates.sorted(by: { $0.score > $1.score }) {
            let widths = space.widths(c.ratios)
            let key = space.graph.groups.map { widths[ObjectIdentifier($0)] ?? $0.channels }
            guard seen.insert(key).inserted else { continue }
            out.append(c)
            if out.count == count { break }
        }
        return out
    }

    /// The highest-scoring timed candidate within 5% (relative) of the target, else the one nearest to it.
    static func choose(_ timed: [(candidate: RatioCandidate, fraction: Double)],
                       target: Double) -> (candidate: RatioCandidate, fraction: Double) {
        let near = timed.filter { abs($0.fraction - target) <= 0.05 * target }
        if let best = near.max(by: { $0.candidate.score < $1.candidate.score }) { return best }
        return timed.min { abs($0.fraction - target) < abs($1.fraction - target) }!
    }

    /// The latency lookup table of the dense model on `measurer`.
    func latencyTable(_ dense: any Module, graph: DependencyGraph, example: Tensor,
                      measurer: any LatencyMeasurer) throws -> LatencyTable {
        if let path = structured.latencyTable, FileManager.default.fileExists(atPath: path) {
            let table = try readTable(path, graph: graph)
            log.info("latency table read from \(path) (\(table.engine), batch \(table.batch), "
                     + "\(table.entries.count) layers)")
            return table
        }
        let table = try measureTable(dense, graph: graph, example: example, measurer: measurer)
        if let path = structured.latencyTable {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(table), to: path)
            log.info("latency table saved to \(path)")
        }
        return table
    }

    /// A saved table, checked against the engine, the batch and the traced layers and their dense widths.
    func readTable(_ path: String, graph: DependencyGraph) throws -> LatencyTable {
        let table: LatencyTable
        do {
            table = try JSONDecoder().decode(LatencyTable.self, from: try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch { throw JobError("\(path) is not a latency table (\(error))") }
        guard table.engine == structured.latencyEngine, table.batch == structured.latencyBatch else {
            throw JobError("\(path) was measured on \(table.engine) at batch \(table.batch), not on "
                           + "\(structured.latencyEngine) at batch \(structured.latencyBatch); give another path")
        }
        let traced = Dictionary(graph.layers.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        for e in table.entries {
            guard let l = traced[e.path], e.inputs.last == l.inChannels, e.outputs.last == l.outChannels else {
                throw JobError("\(path) does not fit this model: its layer \(e.path) is not one of the model's, or "
                               + "has other dense widths; give another path")
            }
        }
        return table
    }

    /// Measures the latency lookup table of the dense model on `measurer`.
    func measureTable(_ dense: any Module, graph: DependencyGraph, example: Tensor,
                      measurer: any LatencyMeasurer) throws -> LatencyTable {
        let start = Date()
        let table = try LatencyTable.measure(dense, graph: graph, exampleShape: Array(example.shape.dropFirst()),
                                             measurer: measurer, batch: structured.latencyBatch,
                                             roundTo: structured.roundTo)
        let probes = table.entries.reduce(0) { $0 + $1.inputs.count * $1.outputs.count }
        log.info(String(format: "latency table on %@ (batch %d): %d layers, %d timings in %.0f s; dense model "
                        + "%.3f ms, %.3f ms of it outside the tabled layers", table.engine, structured.latencyBatch,
                        table.entries.count, probes, Date().timeIntervalSince(start), table.denseSeconds * 1e3,
                        table.otherSeconds * 1e3))
        return table
    }
}
