import Foundation
import XCTest
import TestSupport
import Prune

/// Where the SmolLM2-135M-Instruct GGUF file and the Jargon File are (`scripts/fetch-smollm2.sh`
/// and `scripts/fetch-jargon.sh`, run by `make test`, put them there).
enum SmolLM2 {
    static var cache: String {
        ProcessInfo.processInfo.environment["PRUNE_CACHE"] ?? (NSHomeDirectory() + "/.cache/prune")
    }
    static var path: String { cache + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" }

    nonisolated(unsafe) static var cached: LlamaCheckpoint?

    /// The checkpoint (loaded once per test process; tests that prune load their own copy).
    static func checkpoint() throws -> LlamaCheckpoint {
        if let c = cached { return c }
        let c = try fresh()
        cached = c
        return c
    }

    static func fresh() throws -> LlamaCheckpoint {
        guard FileManager.default.fileExists(atPath: path) else {
            throw MissingTestInput("SmolLM2-135M-Instruct in \(path) (scripts/fetch-smollm2.sh)")
        }
        return try LlamaCheckpoint.load(path)
    }

    static func jargon() throws -> ParagraphText {
        guard FileManager.default.fileExists(atPath: JargonFile.path) else {
            throw MissingTestInput("the Jargon File in \(JargonFile.path) (scripts/fetch-jargon.sh)")
        }
        return try JargonFile.load()
    }

    /// Evaluation tokens (the first 40,000 characters of the evaluation part) and 4 seeded
    /// calibration windows of 64 tokens from the calibration part.
    static func tokens() throws -> (evaluation: [Int], calibration: [TokenRows]) {
        let tokenizer = try checkpoint().tokenizer
        let parts = try jargon()
        let evaluation = tokenizer.encode(String(parts.text(.evaluation).prefix(40_000)))
        let calibrationTokens = tokenizer.encode(String(parts.text(.calibration).prefix(40_000)))
        let calibration = try CalibrationWindows.draw(from: calibrationTokens, count: 4, length: 64, seed: 1)
        return (evaluation, calibration)
    }

    static func fixture(_ name: String, _ ext: String) throws -> String {
        try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures")).path
    }
}
