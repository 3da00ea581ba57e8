import XCTest
@testable import PruneTensor

/// Epilogues fused into a convolution's output (``OutputEpilogue``) against the same operations run on
/// the whole output afterwards: bit for bit, for products cut over the cores (batch 1), images per core,
/// grouped and depthwise convolutions, applied block by block or, with the filters packed, in the sgemm's
/// registers (``prune_epilogue``; and block by block again when there are more steps than it holds), under
/// every sgemm kernel set the CPU runs.
final class OutputEpilogueTests: XCTestCase {
    func testFusedStepsGiveTheBitsOfTheSeparateOperations() throws {
        var rng = RandomGenerator(seed: 11)
        // (batch, channels, filters, groups, kernel, padding, size): a large batch-1 product (cut over the
        // cores), several images, grouped, depthwise with a channel multiplier; 60 filters over 7×7 (49
        // positions: the last column with the rows in the lanes, five 12-row panels); the direct kernel's
        // narrow tiles (8 filters, and 16 + 8, over rows of 28 and 14), its epilogue on each block it wrote, a
        // small plane at batch 1 cut by panels of filters; one input channel into 16 filters (a depthwise
        // convolution with multiplier 16, a 1-channel image's first layer) and 24-channel depthwise planes in
        // vector lanes (ranges of 16 planes, one starting at channel 16 of the first image); 32 filters of one
        // channel and 16 of each of two (the epilogue in the registers of sixteen filters at a time).
        let cases = [(1, 16, 96, 1, 3, 1, 40), (3, 8, 12, 1, 3, 1, 9), (2, 8, 12, 4, 3, 0, 9), (2, 6, 12, 6, 3, 1, 8),
                     (1, 16, 60, 1, 3, 1, 7), (1, 8, 8, 1, 3, 1, 28), (2, 8, 24, 1, 3, 1, 14), (1, 16, 32, 1, 3, 1, 12),
                     (3, 1, 16, 1, 3, 1, 28), (2, 24, 24, 24, 3, 1, 14), (2, 1, 32, 1, 3, 1, 17),
                     (2, 2, 32, 2, 5, 2, 9)]
        for (n, c, o, groups, k, p, size) in cases {
            let x = Tensor.normal([n, c, size, size], using: &rng)
            let w = Tensor.normal([o, c / groups, k, k], using: &rng), b = Tensor.normal([o], using: &rng)
            let g = Conv2dGeometry(kernel: (k, k), padding: (p, p), groups: groups)
            let plain = try Tensor.conv2d(x, weight: w, bias: b, geometry: g)
            let perChannel = Tensor.normal([1, o, 1, 1], using: &rng), scalar = Tensor.normal([1], using: &rng)
            let residual = Tensor.normal(plain.shape, using: &rng)
            let scale = (0..<o).map { Float($0 % 5) * 0.3 - 0.5 }, shift = (0..<o).map { Float($0 % 3) * 0.2 }
            let factors = Tensor.normal(plain.shape, using: &rng)
            let steps: [any OutputEpilogueStep] = [
                ChannelAffineEpilogue(scale: scale, shift: shift), OperandEpilogue(.multiply, other: perChannel),
                OperandEpilogue(.add, other: scalar), LeakyReluEpilogue(slope: 0.1),
                OperandEpilogue(.add, other: residual), ReluEpilogue(), OperandEpilogue(.multiply, other: factors),
            ]
            var want = try Tensor.channelAffine(plain, scale: scale, shift: shift)
            let two = try want * perChannel
            want = try two + scalar
            want = want.map { $0 > 0 ? $0 : 0.1 * $0 }
            want = try (want + residual).relu()
            let longer = try want * factors
            try forEachSgemmKernelSet { set in
                for packed in [nil, PackedFilters(filters: w, groups: groups)] {
                    for (count, expected) in [(2, two), (6, want), (7, longer)] {
                        let epilogue = OutputEpilogue(Array(steps.prefix(count)))
                        let fused = try Tensor.conv2d(x, weight: w, bias: b, geometry: g, epilogue: epilogue,
                                                      packed: packed)
                        XCTAssertEqual(fused.scalars.map(\.bitPattern), expected.scalars.map(\.bitPattern),
                                       "\(set): \((n, c, o, groups)), \(count) steps, packed \(packed != nil)")
                    }
                }
            }
        }
    }

    func testOperandsThatDoNotBroadcastPerChannelAreRefused() throws {
        var rng = RandomGenerator(seed: 12)
        let x = Tensor.normal([1, 4, 6, 6], using: &rng), w = Tensor.normal([4, 4, 1, 1], using: &rng)
        // One value per column (broadcast along the last axis) is neither per channel nor shaped like the output.
        let alongWidth = OperandEpilogue(.add, other: Tensor.normal([6], using: &rng))
        XCTAssertFalse(alongWidth.accepts(outputShape: [1, 4, 6, 6]))
        XCTAssertTrue(OperandEpilogue(.add, other: Tensor.normal([4, 1, 1], using: &rng))
            .accepts(outputShape: [1, 4, 6, 6]))
        XCTAssertFalse(ChannelAffineEpilogue(scale: [1, 2], shift: [0, 0]).accepts(outputShape: [1, 4, 6, 6]))
        XCTAssertThrowsError(try Tensor.conv2d(x, weight: w, bias: nil, geometry: Conv2dGeometry(kernel: (1, 1)),
                                               epilogue: OutputEpilogue([alongWidth])))
    }
}
