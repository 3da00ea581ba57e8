import DecisionTrees
import Foundation
import Prune

/// Resolves `--data` for `prune tree` and `prune bench trees`: a CSV path, a bundled set name
/// (iris, wine, breast-cancer, digits, diabetes), or `fashion-mnist-7x7`.
enum TreeData {
    static let largeSetName = "fashion-mnist-7x7"

    static var names: [String] { BundledDatasets.names + [largeSetName] }

    /// Loads a data set. `target` is required for CSV files; `rows` limits `fashion-mnist-7x7`.
    static func load(_ spec: String, target: String?, kind: TargetKind, rows: Int) throws -> TabularDataset {
        if FileManager.default.fileExists(atPath: spec) {
            guard let target else { throw CLIError("tree: --target COLUMN is required with a CSV file") }
            return try TabularDataset.loadCSV(path: spec, target: target, kind: kind)
        }
        if spec == largeSetName { return try fashionMNISTPooled(rows: rows) }
        if BundledDatasets.names.contains(spec) {
            var data = try BundledDatasets.load(spec)
            if let target, target != data.targetName {
                throw CLIError("tree: the bundled set \(spec) has target column \(data.targetName), not \(target)")
            }
            if kind != .auto, (kind == .classification) != data.target.isClassification, let p = BundledDatasets.path(spec) {
                data = try TabularDataset.loadCSV(path: p, target: data.targetName, kind: kind)
            }
            return data
        }
        throw CLIError("tree: no file \(spec), and it is not a bundled data set (\(names.joined(separator: ", ")))")
    }

    /// The first `rows` Fashion-MNIST training images, each average-pooled 4×4 to 7×7 = 49 features.
    static func fashionMNISTPooled(rows: Int) throws -> TabularDataset {
        guard FashionMNIST.isAvailable() else {
            throw CLIError("tree: \(largeSetName) needs Debian's dataset-fashion-mnist (files under \(FashionMNIST.defaultDirectory)); run `make setup`")
        }
        let set = try FashionMNIST.load(.train).prefix(max(rows, 1))
        let pixels = set.images.scalars
        var columns = [[Float]](repeating: [Float](repeating: 0, count: set.count), count: 49)
        for n in 0..<set.count {
            let base = n * 784
            for by in 0..<7 { for bx in 0..<7 {
                var s: Float = 0
                for y in 0..<4 { for x in 0..<4 { s += pixels[base + (by * 4 + y) * 28 + bx * 4 + x] } }
                columns[by * 7 + bx][n] = s / 16
            } }
        }
        let names = (0..<49).map { "pool_\($0 / 7)_\($0 % 7)" }
        return try TabularDataset(columns: columns, featureNames: names, targetName: "label",
                                  target: .classes(set.labels, names: FashionMNIST.classNames))
    }
}
