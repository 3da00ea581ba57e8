import ArgumentParser
import Foundation
import Prune

/// `prune embed`: sentence embeddings of a BERT sentence encoder (dense or pruned by `prune oneshot`).
struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print sentence embeddings of a BERT encoder (one sentence per line of --text).")

    @OptionGroup var common: CommonOptions

    @Option(help: "BERT checkpoint folder, or minilm (the default).")
    var model: String = "minilm"

    @Option(help: "Sentences, one per line.")
    var text: String

    @Option(help: "Use only the first N sentences (0: all).")
    var limit: Int = 0

    @Option(name: .customLong("batch-size"), help: "Sentences per forward batch.")
    var batchSize: Int = 32

    func validate() throws {
        try OptionBounds.atLeast(limit, 0, "--limit")
        try OptionBounds.atLeast(batchSize, 1, "--batch-size")
    }

    func run() throws {
        do {
            let dir = try OneShotCommand.modelDirectory(model)
            guard let content = try? String(contentsOfFile: text,
                                            encoding: .utf8) else { throw CLIError("cannot read \(text)") }
            var sentences = content.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
            if limit > 0 { sentences = Array(sentences.prefix(limit)) }
            let ckpt = try BertCheckpoint.load(directory: dir)
            let e = try ckpt.model.sentenceEmbeddings(sentences, tokenizer: ckpt.tokenizer, batchSize: batchSize)
            let d = e.shape[1]
            let rows = (0..<sentences.count).map { Array(e.scalars[($0 * d)..<(($0 + 1) * d)]) }
            let obj: [String: Any] = ["model": dir, "sentences": sentences, "embeddings": rows]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj), as: UTF8.self))
        } catch let e as CLIError { throw e } catch { throw CLIError("embed: \(error)") }
    }
}
