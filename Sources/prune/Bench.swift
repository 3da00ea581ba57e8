import ArgumentParser

/// `prune bench`: benchmarks against peers measured in the same run.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks against peers (PyTorch, OpenBLAS) measured in the same run.",
        subcommands: [BenchTrain.self, BenchGemm.self, BenchPruning.self, BenchSparse.self, BenchOneShot.self,
                      BenchONNX.self, BenchSearch.self, BenchTrees.self, BenchLLM.self,
                      BenchSparseTraining.self, BenchLottery.self, BenchSparseEpoch.self, BenchGenerate.self])
}
