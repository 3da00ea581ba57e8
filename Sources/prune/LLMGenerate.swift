import ArgumentParser
import Foundation
import Prune

/// `prune llm generate`: continues a prompt with the KV cache, greedy or seeded sampling.
struct LLMGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Continue a prompt (greedy, or sampled with --temperature and --seed).")
    @Option(help: "A Llama-family GGUF file or Hugging Face folder, or smollm2 (the default).")
    var model: String = "smollm2"

    @Option(help: "The prompt text.")
    var prompt: String

    @Option(name: .customLong("max-tokens"), help: "Tokens to generate.")
    var maxTokens: Int = 48

    @Option(help: "0 for greedy decoding; above 0 samples from softmax(logits / temperature).")
    var temperature: Double = 0

    @Option(name: .customLong("top-k"), help: "With sampling: only the k most likely tokens (0: all).")
    var topK: Int = 40

    @Flag(help: "Wrap the prompt in the model's chat template (user turn, assistant reply).")
    var chat = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        try OptionBounds.atLeast(maxTokens, 1, "--max-tokens")
        try OptionBounds.atLeast(topK, 0, "--top-k")
        try OptionBounds.atLeast(temperature, 0.0, "--temperature")
    }

    func run() throws {
        let console = Console(quiet: common.quiet, json: common.json)
        do {
            let ckpt = try LlamaCheckpoint.load(try LLMCommand.modelPath(model))
            let text = chat ? "<|im_start|>user\n\(prompt)<|im_end|>\n<|im_start|>assistant\n" : prompt
            var settings = GenerationSettings(maxTokens: maxTokens, temperature: temperature, topK: topK)
            settings.seed = common.seed ?? 0
            let result = try TextGenerator(model: ckpt.model, tokenizer: ckpt.tokenizer).generate(text,
                    settings: settings)
            if common.json { try console.emitJSON(result); return }
            console.result(prompt + result.text)
            let rate = Double(result.generatedTokens) / max(result.seconds, 1e-9)
            console.info(String(format: "%d prompt tokens, %d generated in %.2f s (%.1f tokens/s)", result.promptTokens,
                                result.generatedTokens, result.seconds, rate))
        } catch let e as CLIError { throw e } catch { throw CLIError("llm generate: \(error)") }
    }
}
