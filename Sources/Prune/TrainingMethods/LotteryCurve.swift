import Foundation

/// The lottery-ticket curve over seeds: per round, the mean fraction of weights left and the mean ± std
/// test accuracy of the tickets and of the controls.
public struct LotteryCurve {
    public struct Point: Encodable {
        public let round: Int
        public let percentLeft: Double
        public let ticket: Stat
        public let reinitialized: Stat?
        public let randomMask: Stat?
    }

    /// Mean and sample standard deviation, in percent.
    public struct Stat: Encodable {
        public let mean: Double, std: Double
        init?(_ values: [Double]) {
            guard !values.isEmpty else { return nil }
            mean = values.reduce(0, +) / Double(values.count) * 100
            let m = mean / 100
            std = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(max(1, values.count - 1))).squareRoot() * 100
        }
    }

    public let points: [Point]

    /// `runs` one list of rounds per seed (the same rounds in each).
    public init(runs: [[LotteryRound]]) {
        let count = runs.map(\.count).min() ?? 0
        points = (0..<count).map { i in
            let rounds = runs.map { $0[i] }
            return Point(round: i, percentLeft: rounds.reduce(0) { $0 + $1.density } / Double(rounds.count) * 100,
                         ticket: Stat(rounds.map(\.ticket))!, reinitialized: Stat(rounds.compactMap(\.reinitialized)),
                         randomMask: Stat(rounds.compactMap(\.randomMask)))
        }
    }

    /// The curve as a Markdown table.
    public func markdown() -> String {
        let cell = { (s: Stat?) in s.map { String(format: "%.2f ± %.2f", $0.mean, $0.std) } ?? "—" }
        var lines = ["| round | weights left | winning ticket | random reinitialization | random mask |",
                     "|---|---|---|---|---|"]
        for p in points {
            lines.append(String(format: "| %d | %.1f%% | ", p.round, p.percentLeft) + cell(p.ticket) + " | "
                         + cell(p.reinitialized) + " | " + cell(p.randomMask) + " |")
        }
        return lines.joined(separator: "\n")
    }

    /// The curve as an SVG chart (x: percent of weights left, logarithmic, decreasing to the right).
    public func svg(title: String) -> String {
        var plot = LinePlot(title: title, xLabel: "weights left (%)", yLabel: "test accuracy (%)")
        plot.logX = true; plot.reversedX = true
        let series: [(String, String, (Point) -> Stat?)] = [("winning ticket", "#1f77b4", { $0.ticket }),
                                                            ("random reinit", "#d62728", { $0.reinitialized }),
                                                            ("random mask", "#2ca02c", { $0.randomMask })]
        for (name, color, pick) in series {
            let pts = points.compactMap { p in pick(p).map { (x: p.percentLeft, y: $0.mean, error: $0.std) } }
            if !pts.isEmpty { plot.series.append(LinePlot.Series(name: name, color: color, points: pts)) }
        }
        return plot.svg()
    }
}
