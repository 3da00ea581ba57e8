import Foundation

/// Cells that differ only in their seed, averaged: the row a results table shows for a method and a
/// target, with the spread over seeds.
public struct SweepGroup: Sendable {
    /// Labels of the axes other than the seed axes.
    public let labels: [SweepCell.Label]
    public let cells: [SweepCellResult]

    public var accuracy: (mean: Double, std: Double) { Self.meanStd(cells.map(\.metrics.accuracy)) }
    public var sparsity: Double { Self.meanStd(cells.map(\.metrics.sparsity)).mean }
    public var macsLeft: Double? { mean(\.macsLeft) }
    public var parametersLeft: Double? { mean(\.parametersLeft) }
    public var accuracyAfterPruning: Double? { mean(\.accuracyAfterPruning) }
    public var energyLeft: Double? { mean(\.energyLeft) }

    /// The mean of an optional metric over the cells, nil unless every cell has it.
    func mean(_ metric: KeyPath<SweepMetrics, Double?>) -> Double? {
        let v = cells.compactMap { $0.metrics[keyPath: metric] }
        return v.count == cells.count && !v.isEmpty ? Self.meanStd(v).mean : nil
    }
    public var seconds: Double { Self.meanStd(cells.map(\.seconds)).mean }

    /// Mean and sample standard deviation (0 for one value).
    public static func meanStd(_ v: [Double]) -> (mean: Double, std: Double) {
        guard !v.isEmpty else { return (0, 0) }
        let mean = v.reduce(0, +) / Double(v.count)
        guard v.count > 1 else { return (mean, 0) }
        let ss = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (mean, (ss / Double(v.count - 1)).squareRoot())
    }
}

extension SweepResults {
    /// Cells grouped by every axis except the seed axes, in grid order.
    public var groups: [SweepGroup] {
        let seeds = Set(seedAxes)
        var order: [String] = [], members: [String: [SweepCellResult]] = [:], labels: [String: [SweepCell.Label]] = [:]
        for c in cells {
            let kept = c.labels.filter { !seeds.contains($0.axis) }
            let key = SweepCell.key(kept)
            if members[key] == nil { order.append(key); labels[key] = kept }
            members[key, default: []].append(c)
        }
        return order.map { SweepGroup(labels: labels[$0]!, cells: members[$0]!) }
    }

    /// Mean ± std over seeds per group (percentages).
    public func summaryTable() -> String {
        let kept = axes.filter { !seedAxes.contains($0) }
        var rows = [MarkdownTable.header(kept + ["runs", "pruned %", "final %", "sparsity %", "params left %",
                                                 "MACs left %", "energy left % (est.)", "s per run"])]
        for g in groups {
            let a = g.accuracy
            rows.append(MarkdownTable.row(kept.map { axis in g.labels.first { $0.axis == axis }?.value ?? "" } + [
                "\(g.cells.count)", percent(g.accuracyAfterPruning),
                String(format: "%.2f ± %.2f", a.mean * 100, a.std * 100),
                String(format: "%.2f", g.sparsity * 100), percent(g.parametersLeft), percent(g.macsLeft),
                percent(g.energyLeft), String(format: "%.1f", g.seconds)]))
        }
        return rows.joined(separator: "\n")
    }

    /// The groups no other group beats on both accuracy and `cost` (lower is better; for example the
    /// fraction of weights or MACs left), ordered by cost: the accuracy–size trade-off of the sweep.
    public func paretoFront(cost: (SweepGroup) -> Double?) -> [SweepGroup] {
        let scored = groups.compactMap { g in cost(g).map { (g, $0, g.accuracy.mean) } }
        let front = scored.filter { candidate in
            !scored.contains { other in
                other.1 <= candidate.1 && other.2 >= candidate.2 && (other.1 < candidate.1 || other.2 > candidate.2)
            }
        }
        return front.sorted { $0.1 < $1.1 }.map(\.0)
    }
}
