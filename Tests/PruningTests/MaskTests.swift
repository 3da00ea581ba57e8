import PruneNN
@testable import PrunePruning
import PruneTensor
import XCTest

/// Property tests of masks, patterns and scopes on small random models.
final class MaskTests: XCTestCase {
    func model(seed: UInt64 = 0) -> Sequential {
        var rng = RandomGenerator(seed: seed)
        return Sequential(named: [("conv", Conv2d(4, 8, kernel: 3, rng: &rng)), ("flat", Flatten()),
                                  ("fc1", Linear(8 * 4 * 4, 32, rng: &rng)), ("relu", ReLU()), ("fc2", Linear(32, 16, rng: &rng))])
    }

    func masks(_ m: Sequential, _ pattern: SparsityPattern, _ scope: PruningScope, _ sparsity: Double,
               _ criterion: any ImportanceCriterion = MagnitudeImportance()) throws -> ([PruningTarget], [String: [Float]]) {
        let targets = try scope.targets(in: m)
        return (targets, try MaskBuilder.masks(targets: targets, criterion: criterion, statistics: .none, pattern: pattern,
                                               scope: scope, sparsity: sparsity))
    }

    func testEveryNOfMMaskHasExactlyNInEveryGroupOfM() throws {
        for (n, mm) in [(2, 4), (1, 4), (4, 8), (3, 4)] {
            let m = model(seed: UInt64(n * 10 + mm))
            // The convolution has 4 input channels: 8-wide runs only fit the Linear layers.
            let scope = mm > 4 ? PruningScope(include: ["fc*"]) : PruningScope()
            let (targets, masks) = try self.masks(m, .nOfM(n: n, m: mm), scope, 0)
            for t in targets {
                let mask = masks[t.path]!
                let k = t.kernelArea, fanIn = t.fanIn, inCh = fanIn / k
                for o in 0..<t.outputs { for c0 in stride(from: 0, to: inCh, by: mm) { for p in 0..<k {
                    let kept = (c0..<(c0 + mm)).reduce(0) { $0 + Int(mask[o * fanIn + $1 * k + p]) }
                    XCTAssertEqual(kept, n, "\(t.path) row \(o) run \(c0)")
                } } }
            }
        }
        // A layer whose input does not divide by M is named in the error.
        var rng = RandomGenerator(seed: 1)
        let odd = Sequential([Linear(6, 4, rng: &rng)])
        XCTAssertThrowsError(try masks(odd, .nOfM(n: 2, m: 4), PruningScope(), 0)) { e in
            XCTAssertTrue("\(e)".contains("0.weight"), "\(e)")
        }
    }

    func testAchievedSparsityEqualsTheTargetToOneWeight() throws {
        for distribution in [PruningScope.Distribution.global, .layerwise, .globalProtected(minimumKept: 0.01)] {
            for s in [0.1, 0.5, 0.9, 0.97, 0.333] {
                let m = model()
                let scope = PruningScope(distribution: distribution)
                let (targets, masks) = try self.masks(m, .unstructured, scope, s)
                if distribution == .layerwise {
                    for t in targets {
                        let pruned = masks[t.path]!.filter { $0 == 0 }.count
                        XCTAssertLessThanOrEqual(abs(Double(pruned) - s * Double(t.count)), 0.5 + 1e-9, "\(t.path) at \(s)")
                    }
                } else {
                    let total = targets.reduce(0) { $0 + $1.count }
                    let pruned = targets.reduce(0) { $0 + masks[$1.path]!.filter { $0 == 0 }.count }
                    XCTAssertLessThanOrEqual(abs(Double(pruned) - s * Double(total)), 1, "\(distribution) at \(s)")
                }
            }
        }
    }

    func testProtectedGlobalScopeNeverEmptiesALayer() throws {
        // A layer with tiny weights would be emptied by a plain global threshold.
        let m = model()
        let fc2 = try m.parameter(at: "fc2.weight")
        fc2.value = fc2.value * 1e-4
        let (_, plain) = try masks(m, .unstructured, PruningScope(distribution: .global), 0.9)
        XCTAssertEqual(plain["fc2.weight"]!.filter { $0 != 0 }.count, 0, "global alone empties the layer of tiny weights")
        for kept in [0.01, 0.05, 0.2] {
            let (targets, masks) = try self.masks(m, .unstructured, PruningScope(distribution: .globalProtected(minimumKept: kept)), 0.75)
            for t in targets {
                let alive = masks[t.path]!.filter { $0 != 0 }.count
                XCTAssertGreaterThanOrEqual(alive, max(1, Int((kept * Double(t.count)).rounded(.up))), t.path)
            }
        }
        // Impossible: keep 50% of every layer but prune 90%.
        XCTAssertThrowsError(try masks(m, .unstructured, PruningScope(distribution: .globalProtected(minimumKept: 0.5)), 0.9)) { e in
            XCTAssertTrue("\(e)".contains("impossible target"), "\(e)")
        }
    }

    func testChannelBlockAndInputPatterns() throws {
        let m = model()
        let (targets, channel) = try masks(m, .outputChannels, PruningScope(distribution: .layerwise), 0.5, MagnitudeImportance(norm: .l2))
        for t in targets {
            let mask = channel[t.path]!
            var zeroRows = 0
            for o in 0..<t.outputs {
                let row = mask[(o * t.fanIn)..<((o + 1) * t.fanIn)]
                XCTAssertTrue(row.allSatisfy { $0 == 0 } || row.allSatisfy { $0 == 1 })
                if row.first == 0 { zeroRows += 1 }
            }
            XCTAssertEqual(zeroRows, t.outputs / 2, t.path)
        }
        let (btargets, block) = try masks(m, .block(rows: 4, columns: 4), PruningScope(), 0.5)
        for t in btargets {
            let mask = block[t.path]!
            for o0 in stride(from: 0, to: t.outputs, by: 4) { for j0 in stride(from: 0, to: t.fanIn, by: 4) {
                let vals = Set((o0..<(o0 + 4)).flatMap { o in (j0..<(j0 + 4)).map { mask[o * t.fanIn + $0] } })
                XCTAssertEqual(vals.count, 1, "block \(o0),\(j0) of \(t.path) is cut")
            } }
        }
        let (itargets, input) = try masks(m, .inputChannels, PruningScope(distribution: .layerwise), 0.25)
        let conv = itargets[0]
        let mask = input[conv.path]!
        for c in 0..<(conv.fanIn / conv.kernelArea) {
            let column = (0..<conv.outputs).flatMap { o in (0..<conv.kernelArea).map { mask[o * conv.fanIn + c * conv.kernelArea + $0] } }
            XCTAssertEqual(Set(column).count, 1)
        }
        XCTAssertNoThrow(try masks(m, .outputChannels, PruningScope(), 0.5, FPGMImportance()))
    }

    func testScopePatternsAndErrors() throws {
        let m = model()
        XCTAssertEqual(try PruningScope(include: ["fc*"]).targets(in: m).map(\.path), ["fc1.weight", "fc2.weight"])
        XCTAssertEqual(try PruningScope(exclude: ["conv"]).targets(in: m).map(\.path), ["fc1.weight", "fc2.weight"])
        XCTAssertEqual(try PruningScope(keepFirstAndLastDense: true).targets(in: m).map(\.path), ["fc1.weight"])
        XCTAssertThrowsError(try PruningScope(include: ["decoder.*"]).targets(in: m)) { e in XCTAssertTrue("\(e)".contains("decoder.*")) }
        XCTAssertThrowsError(try masks(m, .unstructured, PruningScope(), 1.2)) { e in XCTAssertTrue("\(e)".contains("impossible")) }
        XCTAssertThrowsError(try masks(m, .unstructured, PruningScope(), 1.0)) { e in XCTAssertTrue("\(e)".contains("every weight")) }
        XCTAssertThrowsError(try SparsityPattern.parse("3:2"))
        XCTAssertEqual(try SparsityPattern.parse("2:4"), .nOfM(n: 2, m: 4))
        XCTAssertEqual(try SparsityPattern.parse("block4x1"), .block(rows: 4, columns: 1))
        XCTAssertTrue(NamePattern.matches("layer*.conv?", "layer1.conv?"))
        XCTAssertFalse(NamePattern.matches("fc", "fc1"))
    }

    func testAlreadyPrunedWeightsStayPrunedAndCount() throws {
        let m = model()
        let scope = PruningScope(distribution: .global)
        var (targets, first) = try masks(m, .unstructured, scope, 0.5)
        for t in targets { t.parameter.mask = Tensor(unchecked: t.shape, first[t.path]!) }
        // Random scores would revive weights if masked ones were not forced out first.
        (targets, first) = try masks(m, .unstructured, scope, 0.75, RandomImportance(seed: 3))
        for t in targets {
            let old = t.maskScalars, new = first[t.path]!
            for i in old.indices where old[i] == 0 { XCTAssertEqual(new[i], 0) }
        }
    }
}
