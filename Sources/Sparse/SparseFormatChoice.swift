import PruneNN

/// A sparse format as the CLI names it: `auto` (per layer, the fastest measured at a batch size),
/// `csr`, `blockRxC`, `N:M`, `int8`, `csr-int8`.
public enum SparseFormatChoice: Sendable, Equatable, CustomStringConvertible {
    case auto
    case fixed(SparseFormat)

    public init(parsing text: String) throws {
        switch text.lowercased() {
        case "auto": self = .auto
        case "csr": self = .fixed(.csr)
        case "int8": self = .fixed(.int8)
        case "csr-int8": self = .fixed(.csrInt8)
        default:
            let t = text.lowercased()
            let nm = t.split(separator: ":").compactMap { Int($0) }
            if nm.count == 2, nm[0] >= 1, nm[1] > nm[0] { self = .fixed(.nOfM(n: nm[0], m: nm[1])); return }
            let dims = t.hasPrefix("block") ? t.dropFirst(5).split(separator: "x").compactMap { Int($0) } : []
            if dims.count == 2, dims.allSatisfy({ $0 >= 1 }) { self = .fixed(.blocks(rows: dims[0],
                                                                                     columns: dims[1])); return }
            throw SparseFormatError.unknown("unknown sparse format \(text); use auto, csr, blockRxC (e.g. block4x1), N:M, int8 or csr-int8")
        }
    }

    public var description: String {
        switch self {
        case .auto: return "auto"
        case .fixed(let f): return f.description
        }
    }

    /// Converts the layers of `model` with enough zeros (50%; every one for int8): `auto` and `csr`
    /// time the candidates at `batch` rows and keep a layer dense when dense is fastest.
    @discardableResult
    public func apply(to model: any Module, batch: Int) throws -> [(path: String, format: String)] {
        switch self {
        case .auto: return try SparseLinear.convert(model, minimumSparsity: 0.5,
                                                    chooser: SparseFormatChooser(batch: batch))
        case .fixed(.csr):
            return try SparseLinear.convert(model, minimumSparsity: 0.5, chooser: SparseFormatChooser(batch: batch,
                    candidates: [.csr]))
        case .fixed(let f):
            return try SparseConversion.fixed(f).apply(to: model, minimumSparsity: f == .int8 ? 0 : 0.5)
        }
    }
}

/// An unknown sparse format name.
public enum SparseFormatError: Error, CustomStringConvertible {
    case unknown(String)
    public var description: String { switch self { case .unknown(let m): return m } }
}
