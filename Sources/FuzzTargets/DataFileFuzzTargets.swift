import DecisionTrees
import Foundation
import Prune

/// IDX image and label files, plain or gzip-compressed (`IDXFile`).
struct IDXFuzzTarget: FuzzTarget {
    var name: String { "idx" }
    var encoding: SizeFieldEncoding { .binary }

    func seeds(repository: String) throws -> [[UInt8]] {
        var images: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 3]
        images += (0..<18).map { UInt8($0 * 13) }
        let labels: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9]
        let fashion = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"
        return [images, labels] + SeedFiles.read([fashion])
    }

    func execute(_ bytes: [UInt8]) -> Bool {
        guard let plain = try? GzipFile.inflate(bytes, limit: MemoryBudget.bytes) else { return false }
        if (try? IDXFile.parseImages(plain, file: "fuzz")) != nil { return true }
        return (try? IDXFile.parseLabels(plain, file: "fuzz")) != nil
    }
}

/// CSV tables for decision trees (`TabularDataset.parseCSV`), then a small tree grown on them.
struct CSVFuzzTarget: FuzzTarget {
    var name: String { "csv" }
    var encoding: SizeFieldEncoding { .text }

    func seeds(repository: String) throws -> [[UInt8]] {
        let folder = repository + "/Sources/DecisionTrees/Datasets"
        let files = ["iris.csv", "wine.csv", "diabetes.csv"].map { folder + "/" + $0 }
        return SeedFiles.read(files, limit: 4096).map(Self.wholeLines) + [Array("a,b,y\n1,2,x\n3,4,z\n".utf8)]
    }

    /// A seed cut at its last newline, so it still parses.
    static func wholeLines(_ bytes: [UInt8]) -> [UInt8] {
        guard let last = bytes.lastIndex(of: 0x0A) else { return bytes }
        return Array(bytes[...last])
    }

    func execute(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let header = text.split(separator: "\n").first, let target = header.split(separator: ",").last,
              let data = try? TabularDataset.parseCSV(text, target: String(target)) else { return false }
        let options = TreeGrowthOptions(maxDepth: 3)
        return (try? TreePruningPipeline(growth: options, method: .none, seed: 0).fit(data)) != nil
    }
}

/// Pruning recipes in YAML (`Recipe.parse`).
struct RecipeFuzzTarget: FuzzTarget {
    var name: String { "recipe" }
    var encoding: SizeFieldEncoding { .text }

    func seeds(repository: String) throws -> [[UInt8]] {
        SeedFiles.read(SeedFiles.list(repository + "/recipes", suffix: ".yaml"))
            + [Array("model: lenet300\nprune:\n  sparsity: 0.5\n  schedule: iterative\n  rate: 0.3\n".utf8)]
    }

    func execute(_ bytes: [UInt8]) -> Bool {
        guard let recipe = try? Recipe.parse(String(decoding: bytes, as: UTF8.self)) else { return false }
        return (try? recipe.settings.plan(trainCount: 1000).validate()) != nil
    }
}

/// Saved decision trees (`prune tree --save` JSON), decoded and validated.
struct TreeJSONFuzzTarget: FuzzTarget {
    var name: String { "tree-json" }
    var encoding: SizeFieldEncoding { .text }

    func seeds(repository: String) throws -> [[UInt8]] {
        let data = try TabularDataset.parseCSV(String(decoding: SeedFiles.read(
            [repository + "/Sources/DecisionTrees/Datasets/iris.csv"]).first ?? [], as: UTF8.self), target: "species")
        let fit = try TreePruningPipeline(growth: TreeGrowthOptions(maxDepth: 4), method: .none, seed: 0).fit(data)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return [Array(try encoder.encode(fit.pruned))]
    }

    func execute(_ bytes: [UInt8]) -> Bool {
        guard let tree = try? JSONDecoder().decode(DecisionTree.self, from: Data(bytes)),
              (try? tree.validate()) != nil else { return false }
        return tree.nodeCount > 0 && tree.depth >= 0
    }
}
