import ArgumentParser
import Prune

/// Options the pruning verbs of `prune llm` share: calibration windows, the dense measurement,
/// and the outputs.
struct LLMRunOptions: ParsableArguments {
    @Option(name: .customLong("calibration-windows"), help: "Calibration windows.")
    var calibrationWindows: Int = 32

    @Option(name: .customLong("calibration-length"), help: "Tokens per calibration window.")
    var calibrationLength: Int = 256

    @Flag(name: .customLong("skip-dense"), help: "Do not measure the dense perplexity first.")
    var skipDense = false

    @Option(help: "Write the pruned model here as a Hugging Face folder (never over the input).")
    var out: String?

    @Option(name: .customLong("gguf-out"),
            help: "Write the pruned model here as a GGUF file (F16 matrices, or F32 with --gguf-f32).")
    var ggufOut: String?

    @Flag(name: .customLong("gguf-f32"), help: "Store the GGUF matrices as F32.")
    var ggufF32 = false

    func validate() throws {
        try OptionBounds.atLeast(calibrationWindows, 1, "--calibration-windows")
        try OptionBounds.atLeast(calibrationLength, 2, "--calibration-length")
    }

    func configure(_ job: inout DecoderOneShotJob, seed: UInt64?) {
        job.calibrationWindows = calibrationWindows; job.calibrationLength = calibrationLength
        job.seed = seed ?? 0; job.skipDense = skipDense; job.out = out
        job.ggufOut = ggufOut; job.ggufF32 = ggufF32
    }
}
