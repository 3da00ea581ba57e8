// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Prune",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Prune", targets: ["Prune"]),
        .library(name: "GameSearch", targets: ["GameSearch"]),
        .library(name: "DecisionTrees", targets: ["DecisionTrees"]),
        .executable(name: "prune", targets: ["prune"]),
        .library(name: "PruneFuzzTargets", targets: ["PruneFuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        // `swift package generate-documentation --target Prune` builds the DocC catalog (Sources/Prune/Prune.docc).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // System libraries: OpenBLAS + LAPACKE on Linux (Accelerate is used instead on Apple platforms).
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS",
                       providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        .systemLibrary(name: "CSystem", path: "Sources/CSystem"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),

        .target(name: "CDenseKernels", path: "Sources/CDenseKernels"),
        .target(name: "PruneTensor", dependencies: ["CBLAS", "CSystem", "CDenseKernels"], path: "Sources/Tensor"),
        .target(name: "PruneAutodiff", dependencies: ["PruneTensor"], path: "Sources/Autodiff"),
        .target(name: "PruneNN", dependencies: ["PruneAutodiff", "PruneTensor", "CZlib"], path: "Sources/NN"),
        // ONNX messages generated once from onnx.proto (scripts/onnx/regenerate-protobuf.sh) and committed.
        .target(name: "ONNXProto", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")], path: "Sources/ONNXProto"),
        .target(name: "PruneModelIO", dependencies: ["PruneNN", "PruneTensor", "ONNXProto"], path: "Sources/ModelIO"),
        .target(name: "PrunePruning", dependencies: ["CBLAS", "PruneTensor", "PruneAutodiff", "PruneNN", .product(name: "Yams", package: "Yams")],
                path: "Sources/Pruning"),
        .target(name: "PrunePruningGraph", dependencies: ["PruneTensor", "PruneAutodiff", "PruneNN", "PrunePruning"], path: "Sources/PruningGraph"),
        .target(name: "CSparseKernels", path: "Sources/CSparseKernels"),
        .target(name: "PruneSparse",
                dependencies: ["PruneTensor", "PruneAutodiff", "PruneNN", "CZlib", "CSparseKernels", "CDenseKernels"],
                path: "Sources/Sparse"),
        .target(name: "PruneOneShot", dependencies: ["CBLAS", "PruneTensor", "PruneAutodiff", "PruneNN", "PrunePruning"], path: "Sources/OneShot"),
        .target(name: "Prune", dependencies: ["PruneTensor", "PruneAutodiff", "PruneNN", "PruneModelIO", "PrunePruning", "PrunePruningGraph", "PruneSparse", "PruneOneShot"],
                path: "Sources/Prune"),
        .target(name: "GameSearch", path: "Sources/GameSearch"),
        .target(name: "DecisionTrees", path: "Sources/DecisionTrees", resources: [.copy("Datasets")]),
        .target(name: "PruneFuzzTargets", dependencies: ["Prune", "DecisionTrees", "GameSearch"], path: "Sources/FuzzTargets"),
        .executableTarget(name: "prune", dependencies: [
            "Prune", "GameSearch", "DecisionTrees", "PruneFuzzTargets",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/prune"),

        // Shared by the test targets: the error a missing set-up input throws instead of a skip.
        .target(name: "TestSupport", dependencies: ["PruneModelIO", "PruneTensor", "ONNXProto"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["PruneTensor", "CDenseKernels"], path: "Tests/TensorTests"),
        .testTarget(name: "AutodiffTests", dependencies: ["PruneAutodiff", "PruneNN", "PruneModelIO"], path: "Tests/AutodiffTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "NNTests", dependencies: ["TestSupport", "PruneNN", "PruneModelIO"], path: "Tests/NNTests"),
        .testTarget(name: "SparseTests", dependencies: ["PruneSparse", "PruneNN", "CDenseKernels"],
                    path: "Tests/SparseTests"),
        .testTarget(name: "PruningTests", dependencies: ["PrunePruning", "PruneNN"], path: "Tests/PruningTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "PruningGraphTests", dependencies: ["PrunePruningGraph", "PrunePruning", "PruneNN", "PruneModelIO"],
                    path: "Tests/PruningGraphTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "DecisionTreesTests", dependencies: ["DecisionTrees"], path: "Tests/DecisionTreesTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "OneShotTests", dependencies: ["TestSupport", "PruneOneShot", "PruneNN", "PruneModelIO"], path: "Tests/OneShotTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "GameSearchTests", dependencies: ["GameSearch"], path: "Tests/GameSearchTests"),
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "PruneModelIO", "PruneNN", "PrunePruning", "PruneTensor", "prune"], path: "Tests/CLITests"),
        .testTarget(name: "ONNXTests", dependencies: ["TestSupport", "PruneModelIO", "PruneNN", "PrunePruningGraph", "PrunePruning", "ONNXProto"], path: "Tests/ONNXTests",
                    resources: [.copy("Fixtures")]),
        // A criterion, a layer and a schedule defined outside the library, used through `import Prune` only.
        .testTarget(name: "ReportTests", dependencies: ["Prune"], path: "Tests/ReportTests"),
        .testTarget(name: "ExtensionPointTests", dependencies: ["TestSupport", "Prune"], path: "Tests/ExtensionPointTests"),
        // Crafted sizes, counts and special values in every input format: clear errors, never a crash.
        .testTarget(name: "ReliabilityTests", dependencies: ["TestSupport", "Prune", "DecisionTrees", "GameSearch", "ONNXProto",
                                                                   "PruneFuzzTargets"],
                    path: "Tests/ReliabilityTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "ModelIOTests", dependencies: ["PruneModelIO", "PruneNN", "TestSupport"],
                    path: "Tests/ModelIOTests", resources: [.copy("Fixtures")]),
        // Decoder LLMs: SmolLM2-135M from GGUF, tokenizer and logits parity, perplexity, one-shot pruning, export.
        .testTarget(name: "LLMTests", dependencies: ["TestSupport", "Prune"], path: "Tests/LLMTests",
                    resources: [.copy("Fixtures")]),
    ]
)
