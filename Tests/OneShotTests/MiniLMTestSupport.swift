import Foundation
import XCTest
import TestSupport
import PruneModelIO
import PruneNN

/// Where the all-MiniLM-L6-v2 checkpoint is (`scripts/fetch-minilm.sh` puts it there).
enum MiniLM {
    static var directory: String {
        if let d = ProcessInfo.processInfo.environment["PRUNE_MINILM_DIR"] { return d }
        let cache = ProcessInfo.processInfo.environment["PRUNE_CACHE"] ?? (NSHomeDirectory() + "/.cache/prune")
        return cache + "/all-MiniLM-L6-v2"
    }

    nonisolated(unsafe) static var cached: BertCheckpoint?

    /// Loads the checkpoint once per test process, or skips with the reason when it is missing.
    static func checkpoint() throws -> BertCheckpoint {
        guard FileManager.default.fileExists(atPath: directory + "/model.safetensors") else {
            throw MissingTestInput("all-MiniLM-L6-v2 in \(directory) (scripts/fetch-minilm.sh)")
        }
        if let c = cached { return c }
        let c = try BertCheckpoint.load(directory: directory)
        cached = c
        return c
    }

    /// A fresh copy of the model (tests prune it in place).
    static func freshModel() throws -> BertCheckpoint { try BertCheckpoint.load(directory: directory) }

    /// Sentences of the shipped corpus (`data/text/python-reference-sentences.txt`).
    static func sentences() throws -> [String] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("data/text/python-reference-sentences.txt")
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    }
}

struct MiniLMReference: Decodable {
    var texts: [String]
    var input_ids: [[Int]]
    var embeddings: [[Float]]

    static func load() throws -> MiniLMReference {
        let url = Bundle.module.url(forResource: "minilm_reference", withExtension: "json", subdirectory: "Fixtures")!
        return try JSONDecoder().decode(MiniLMReference.self, from: Data(contentsOf: url))
    }
}
