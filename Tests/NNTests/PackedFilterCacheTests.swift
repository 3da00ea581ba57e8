import XCTest
import PruneAutodiff
import PruneTensor
@testable import PruneNN

/// A convolution keeps its filters packed between inference calls (``PackedFilterCache``); every change of
/// the weight (set, mutated in place, masked, reshaped by pruning, its groups) must give the output of the
/// changed weight, as the unpacked product computes it.
final class PackedFilterCacheTests: XCTestCase {
    func assertMatchesUnpacked(_ conv: Conv2d, _ x: Tensor, _ what: String) throws {
        let cached = try withNoGrad { try conv.forward(Variable(x)) }.value
        let plain = try Tensor.conv2d(x, weight: conv.weight.effectiveValue, bias: conv.bias?.value,
                                      geometry: conv.geometry)
        XCTAssertEqual(cached.shape, plain.shape, what)
        for (a, b) in zip(cached.scalars, plain.scalars) { XCTAssertEqual(a, b, accuracy: 1e-4, what) }
    }

    func testEveryChangeOfTheWeightReachesTheCachedFilters() throws {
        var rng = RandomGenerator(seed: 9)
        let conv = Conv2d(8, 16, kernel: 3, padding: 1, bias: false, rng: &rng)
        let x = Tensor.normal([3, 8, 10, 10], using: &rng)
        try assertMatchesUnpacked(conv, x, "first call")
        try assertMatchesUnpacked(conv, x, "second call, from the cache")
        conv.weight.value = Tensor.normal([16, 8, 3, 3], using: &rng)
        try assertMatchesUnpacked(conv, x, "weight set")
        conv.weight.value.scalars[5] += 10
        try assertMatchesUnpacked(conv, x, "weight mutated in place")
        conv.weight.mask = try Tensor((0..<(16 * 8 * 9)).map { Float($0 % 3 == 0 ? 0 : 1) }).reshaped([16, 8, 3, 3])
        try assertMatchesUnpacked(conv, x, "masked")
        conv.weight.mask = nil
        conv.weight.value = Tensor.normal([12, 8, 3, 3], using: &rng)   // filters removed
        try assertMatchesUnpacked(conv, x, "fewer filters")
        conv.geometry.groups = 2
        conv.weight.value = Tensor.normal([12, 4, 3, 3], using: &rng)
        try assertMatchesUnpacked(conv, x, "grouped")
    }
}
