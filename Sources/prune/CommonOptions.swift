import ArgumentParser
import Prune

/// The options every verb takes: output form, seed and threads.
struct CommonOptions: ParsableArguments {
    @Flag(help: "Print the result as JSON on stdout (progress and notes go to stderr).")
    var json = false

    @Flag(help: "No progress display or commentary.")
    var quiet = false

    @Option(help: ArgumentHelp("Seed of every random choice (shuffling, initialization, random scores, probes); same "
                               + "seed and threads, same result. Default 0 unless the command says otherwise."))
    var seed: UInt64?

    @Option(help: "Threads for the kernels and OpenBLAS (default: all cores).")
    var threads: Int?

    @Option(name: .customLong("max-memory"),
            help: "Largest allocation an input may ask for (e.g. 8G, 512M; default half of physical memory).")
    var maxMemory: String?

    /// Checks the values and applies `--threads` before the command runs.
    mutating func validate() throws {
        if let threads {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
            ProcessInfoCores.limit(to: threads)
        }
        if let maxMemory {
            guard let bytes = MemoryBudget.parse(maxMemory) else {
                throw ValidationError("--max-memory must be a size like 8G or 512M, got \(maxMemory)")
            }
            MemoryBudget.bytes = bytes
        }
    }
}
