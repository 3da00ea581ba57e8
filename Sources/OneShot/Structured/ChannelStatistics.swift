import PruneTensor
import PruneNN

/// Statistics of the input channels of one projection over the calibration tokens, from which
/// structured importance scores and least-squares refits are computed: the token count N, Σx and
/// Σx² per channel, Σx² per channel per calibration row (for Minitron's per-sequence norms), and
/// the Gram matrix Σx·xᵀ.
public final class ChannelStatistics {
    public let channels: Int
    /// N, Σx² per channel and the upper triangle of Σx·xᵀ, accumulated as the one-shot methods do.
    private let inputs: LinearInputStatistics
    public private(set) var sums: [Double]
    /// Σ over the positions of each calibration row of x_c², one array per row.
    public private(set) var rowSquares: [[Double]] = []
    /// Σ x·xᵀ, row-major `channels × channels`, both triangles filled; valid after ``finish()``.
    public private(set) var gram: [Float] = []

    public init(channels: Int) {
        self.channels = channels
        inputs = LinearInputStatistics(features: channels, collectGram: true)
        sums = [Double](repeating: 0, count: channels)
    }

    public var tokens: Int { inputs.tokens }
    public var sumsOfSquares: [Double] { inputs.sumOfSquares }

    /// Adds an input `[batch, length, channels]`.
    public func add(_ x: Tensor) {
        let c = channels, length = x.shape.count == 3 ? x.shape[1] : 1, rows = x.count / max(c, 1)
        precondition(x.shape.last == c)
        x.scalars.withUnsafeBufferPointer { p in
            for start in stride(from: 0, to: rows, by: length) {
                var row = [Double](repeating: 0, count: c)
                for t in start..<(start + length) {
                    for j in 0..<c {
                        let v = Double(p[t * c + j])
                        sums[j] += v; row[j] += v * v
                    }
                }
                rowSquares.append(row)
            }
        }
        inputs.add(rows: x.scalars, count: rows)
    }

    /// The full symmetric Gram matrix from the accumulated upper triangle.
    public func finish() {
        let c = channels
        gram = inputs.gram ?? []
        for i in 0..<c { for j in 0..<i { gram[i * c + j] = gram[j * c + i] } }
    }

    public func mean(_ j: Int) -> Double { sums[j] / Double(max(tokens, 1)) }

    /// The sample variance of channel j (FLAP's fluctuation of one channel).
    public func variance(_ j: Int) -> Double {
        guard tokens > 1 else { return 0 }
        let m = mean(j)
        return max(0, (sumsOfSquares[j] - Double(tokens) * m * m) / Double(tokens - 1))
    }
}

/// Collects ``ChannelStatistics`` of the inputs seen at some Linear paths of a block.
final class ChannelStatisticsTap: LinearInputObserver {
    var collected: [String: ChannelStatistics] = [:]
    let paths: Set<String>
    init(paths: Set<String>) { self.paths = paths }

    func observe(_ input: Tensor, paths observed: [String]) {
        for path in observed where paths.contains(path) {
            let stats = collected[path] ?? ChannelStatistics(channels: input.shape.last ?? 0)
            stats.add(input)
            collected[path] = stats
        }
    }

    func finished(_ path: String) throws -> ChannelStatistics {
        guard let s = collected[path] else { throw OneShotError.invalid("no calibration input reached \(path)") }
        s.finish()
        return s
    }
}
