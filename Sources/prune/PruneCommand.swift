import ArgumentParser
import Prune

@main
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Prune trained models: remove what is not needed, keep the accuracy.",
        subcommands: [Train.self, Eval.self, PruneModel.self, Inspect.self, RunRecipe.self, OneShotCommand.self,
                      LLMCommand.self,
                      Embed.self, Compress.self, Decompress.self, TreeCommand.self, Search.self, Bench.self,
                      Fuzz.self, Conformance.self, Lottery.self, Sensitivity.self, Sweep.self,
                      Report.self]
    )

    static func main() {
        AllocatorTuning.keepFreedMemory()
        TemporaryFiles.shared.installSignalCleanup()
        do {
            var command = try parseAsRoot(NegativeNumberArguments.attach(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
