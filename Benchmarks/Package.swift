// swift-tools-version: 6.1
//
// ordo-one/benchmark (formerly package-benchmark) suites for EEKit, in a nested package so that
// the root package never links it. Run from this folder:
//   swift package benchmark                      (all)
//   swift package benchmark --filter 'riscv/.*'
// The EVM suite reads ../../shared/fixtures (the repository's sibling `shared/`).
import PackageDescription

let package = Package(
    name: "EEKitBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "EEKit", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "EEKitBenchmarks",
            dependencies: [
                .product(name: "EEKit", package: "EEKit"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/EEKitBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)
