// swift-tools-version:5.10
// libFuzzer builds of Prune's fuzz targets (see scripts/fuzz.sh). Built on its own, with
// `-sanitize=fuzzer,address -parse-as-library`, so the main package's builds stay untouched.
import PackageDescription

let package = Package(
    name: "PruneFuzz",
    dependencies: [.package(name: "Prune", path: "..")],
    targets: [
        .executableTarget(name: "PruneLibFuzzer",
                          dependencies: [.product(name: "PruneFuzzTargets", package: "Prune")],
                          path: "Sources/PruneLibFuzzer"),
    ]
)
