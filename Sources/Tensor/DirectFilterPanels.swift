import CDenseKernels

/// A convolution's filters as the direct kernel reads them (``prune_conv_direct_pack``: panels of 16 filters, for
/// each patch value the panel's 16), packed once and kept by the layer with its ``PackedFilters``: at batch 1
/// every call, and every core's part of it, repacked them (a twentieth of a ResNet-style model's time on one
/// core; the direct kernel: output positions broadcast, filters in vector lanes — the sgemm tile of Goto and van
/// de Geijn, "Anatomy of High-Performance Matrix Multiplication", 2008, with the roles of A and B swapped).
public struct DirectFilterPanels: Sendable {
    private let storage: [Float]
    /// Values per group's panels.
    let perGroup: Int
    /// Filters per group and values per filter.
    let rows: Int, columns: Int

    /// Packs `groups` consecutive row-major `rows × columns` filter matrices at `weights`.
    init?(_ weights: UnsafePointer<Float>, groups: Int, rows: Int, columns: Int) {
        let per = Int(prune_conv_direct_panel_count(Int64(rows), Int64(columns)))
        guard per > 0, groups > 0 else { return nil }
        var panels = [Float](repeating: 0, count: per * groups)
        panels.withUnsafeMutableBufferPointer { p in
            for g in 0..<groups {
                prune_conv_direct_pack(weights + g * rows * columns, Int64(rows), Int64(columns),
                                       p.baseAddress! + g * per)
            }
        }
        storage = panels; perGroup = per; self.rows = rows; self.columns = columns
    }

    /// Whether these are `groups` groups of `rows` filters of `columns` values.
    func fits(groups: Int, rows: Int, columns: Int) -> Bool {
        self.rows == rows && self.columns == columns && storage.count == perGroup * groups
    }

    /// `body` with the first group's panels (group g's at `perGroup`·g from there).
    func withPanels<R>(_ body: (UnsafePointer<Float>) -> R) -> R {
        storage.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

/// The filters of a direct convolution: the weights (`[O, C/groups, KH, KW]`), and the layer's panels
/// (``DirectFilterPanels``, group g's `perGroup`·g from `panels`) when it keeps them.
struct DirectFilters {
    let weights: UnsafePointer<Float>
    let panels: UnsafePointer<Float>?
    let perGroup: Int
}
