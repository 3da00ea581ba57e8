import XCTest
import PruneTensor
import PruneNN

/// `Parameter.effectiveValue` skips the masking pass when the stored value is already masked; the
/// cached answer must be forgotten whenever the value or the mask changes, in place or not.
final class ParameterMaskCacheTests: XCTestCase {
    func testEffectiveValueFollowsEveryChangeOfValueOrMask() throws {
        let p = Parameter(Tensor([1, -2, 3, 4]))
        p.mask = Tensor([1, 0, 1, 0])
        XCTAssertEqual(p.effectiveValue.scalars, [1, 0, 3, 0], "weights under the mask are zeroed")
        p.value = Tensor([1, 0, 3, -0.0])
        XCTAssertEqual(p.effectiveValue.scalars, [1, 0, 3, 0], "stored zeros are used as stored")
        p.value.scalars[1] = 7  // in place: a pruned weight becomes nonzero again
        XCTAssertEqual(p.effectiveValue.scalars, [1, 0, 3, 0])
        p.mask = Tensor([1, 1, 1, 0])
        XCTAssertEqual(p.effectiveValue.scalars, [1, 7, 3, 0], "a new mask is applied to the stored value")
        p.mask = Tensor([0.5, 1, 1, 1])
        XCTAssertEqual(p.effectiveValue.scalars, [0.5, 7, 3, 0], "a non-binary mask multiplies")
        p.mask = nil
        XCTAssertEqual(p.effectiveValue.scalars, [1, 7, 3, 0])
        p.mask = Tensor([0, 1, 1, 1])
        p.bake()
        XCTAssertEqual(p.value.scalars, [0, 7, 3, 0])
        XCTAssertNil(p.mask)
    }
}
