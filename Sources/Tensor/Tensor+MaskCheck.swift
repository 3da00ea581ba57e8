import CDenseKernels

extension Tensor {
    /// True when `self × mask` would give `self` bit for bit (the mask is 1, or it is +0 and the value ±0):
    /// a pruned weight already stored as zero, whose masking pass can be skipped.
    public func isMasked(by mask: Tensor) -> Bool {
        precondition(mask.count == count, "mask of \(mask.count) scalars for \(count)")
        if count == 0 { return true }
        return scalars.withUnsafeBufferPointer { v in
            mask.scalars.withUnsafeBufferPointer { m in
                prune_is_masked_f32(v.baseAddress!, m.baseAddress!, Int64(v.count)) != 0
            }
        }
    }
}
