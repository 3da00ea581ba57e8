/// Element and byte counts computed from sizes read out of files, without overflow: nil when the
/// product does not fit in an Int, so a crafted shape is an error, never a trap.
public enum CheckedSize {
    /// The product of `dimensions`, or nil on a negative dimension or overflow.
    public static func elements<C: Collection>(_ dimensions: C) -> Int? where C.Element == Int {
        var total = 1
        for d in dimensions {
            guard d >= 0 else { return nil }
            let (p, overflow) = total.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            total = p
        }
        return total
    }

    /// Bytes of a tensor of `shape` with elements of `elementSize` bytes, or nil on overflow.
    public static func bytes<C: Collection>(shape: C, elementSize: Int) -> Int? where C.Element == Int {
        guard let n = elements(shape) else { return nil }
        let (b, overflow) = n.multipliedReportingOverflow(by: elementSize)
        return overflow ? nil : b
    }
}
