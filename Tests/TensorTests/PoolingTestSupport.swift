import XCTest
@testable import PruneTensor

/// What the pooling tests share: the values they pool and a walk over every output.
extension XCTestCase {
    /// `check` for every output of the pooled `out` of `x`: its input plane's values, the output, plane, row, column.
    func eachOutput(_ out: Tensor, _ x: Tensor, _ check: ([Float], Float, Int, Int, Int) -> Void) {
        let (h, w, oh, ow) = (x.shape[2], x.shape[3], out.shape[2], out.shape[3])
        for p in 0..<(x.shape[0] * x.shape[1]) {
            let values = Array(x.scalars[(p * h * w)..<((p + 1) * h * w)])
            for y in 0..<oh {
                for xo in 0..<ow { check(values, out.scalars[(p * oh + y) * ow + xo], p, y, xo) }
            }
        }
    }

    /// Values for pooling tests: normal draws with NaNs (of two payloads), zeros of both signs, ±∞ and ties.
    func poolingValues(_ count: Int, _ rng: inout RandomGenerator) -> [Float] {
        Tensor.normal([count], using: &rng).scalars.enumerated().map { i, v in
            switch i % 29 {
            case 0: return .nan
            case 7: return Float(bitPattern: 0x7FC0_0123)
            case 3, 11: return i % 2 == 0 ? 0 : -0.0
            case 5: return -.infinity
            case 13: return .infinity
            case 17, 18: return 1.5
            default: return v
            }
        }
    }
}
