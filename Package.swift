// swift-tools-version: 6.1
//
// EEKit: EVM and native RISC-V contracts (WebAssembly comes later) in one state under one
// bootloader.
//
// Build flags:
//  - The C cores (CRISCV, CEVM) are compiled with -O3 in every configuration: they are the hot
//    path, and a debug build of them would make the test suite (which runs real programs) slow.
//  - CElf / CFFI are system libraries (apt: libelf-dev, libffi-dev).
//  - CPrecompiles links libsecp256k1, nettle (and its hogweed, for P-256) and GMP (apt: libsecp256k1-dev, nettle-dev,
//    libgmp-dev); CHostCall calls libffi through CFFI (host functions: user plugins called
//    through libffi).
//  - Benchmarks live in the nested package Benchmarks/ so that this package never links
//    ordo-one/benchmark (formerly package-benchmark).
import PackageDescription

let cCoreSettings: [CSetting] = [
    .unsafeFlags(["-O3", "-fno-strict-aliasing", "-Wall", "-Wextra", "-Wno-unused-parameter"]),
]

let package = Package(
    name: "EEKit",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "EEKit", targets: ["EEKit"]),
        .executable(name: "eekit", targets: ["eekit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    ],
    targets: [
        .target(name: "CRISCV", path: "CSources/CRISCV", cSettings: cCoreSettings),
        .target(name: "CEVM", path: "CSources/CEVM", cSettings: cCoreSettings),
        .systemLibrary(
            name: "CElf", path: "CSources/CElf", pkgConfig: "libelf",
            providers: [.apt(["libelf-dev"])]),
        .systemLibrary(
            name: "CFFI", path: "CSources/CFFI", pkgConfig: "libffi",
            providers: [.apt(["libffi-dev"])]),
        .target(
            name: "CPrecompiles", path: "CSources/CPrecompiles", cSettings: cCoreSettings,
            linkerSettings: [
                .linkedLibrary("secp256k1"), .linkedLibrary("hogweed"), .linkedLibrary("nettle"), .linkedLibrary("gmp"),
            ]),
        .target(
            name: "CHostCall", dependencies: ["CFFI"], path: "CSources/CHostCall", cSettings: cCoreSettings,
            linkerSettings: [.linkedLibrary("ffi"), .linkedLibrary("dl")]),
        .target(
            name: "EEKit",
            dependencies: [
                "CRISCV", "CEVM", "CElf", "CPrecompiles", "CHostCall",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Sources/EEKit"),
        .executableTarget(
            name: "eekit",
            dependencies: [
                "EEKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/eekit"),
        .target(name: "EEKitTestSupport", dependencies: ["EEKit"], path: "Tests/EEKitTestSupport"),
        .testTarget(
            name: "RISCVTests", dependencies: ["EEKit", "CRISCV", "EEKitTestSupport"],
            path: "Tests/RISCVTests",
            exclude: ["Programs"]),
        .testTarget(
            name: "PrecompileTests", dependencies: ["EEKit", "CPrecompiles", "EEKitTestSupport"],
            path: "Tests/PrecompileTests",
            exclude: ["Vectors"]),
        .testTarget(
            name: "BootloaderTests", dependencies: ["EEKit", "EEKitTestSupport", "StateCrashChild"],
            path: "Tests/BootloaderTests",
            exclude: ["CrashChild"]),
        // Writes batches to a SQLite store until killed (BootloaderTests' SIGKILL test).
        .executableTarget(
            name: "StateCrashChild", dependencies: ["EEKit"],
            path: "Tests/BootloaderTests/CrashChild"),
        .testTarget(
            name: "StateTests", dependencies: ["EEKit", "EEKitTestSupport"],
            path: "Tests/StateTests",
            exclude: ["KNOWN_FAILURES.md"]),
        // Builds Contracts/ with clang at test time (native contracts, Vyper token bytecode).
        .testTarget(
            name: "ContractTests",
            dependencies: ["EEKit", "EEKitTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/ContractTests"),
        .testTarget(
            name: "EVMTests", dependencies: ["EEKit", "EEKitTestSupport"],
            path: "Tests/EVMTests"),
        // Replays Fuzz/corpus and Fuzz/regressions through the Swift fuzz harness itself
        // (FuzzEntry.swift is a link to Fuzz/swift/FuzzEntry.swift, compiled here with
        // EEKIT_FUZZ_REPLAY: no libFuzzer, its oracles as they are).
        .testTarget(
            name: "FuzzReplayTests", dependencies: ["EEKit", "EEKitTestSupport"],
            path: "Tests/FuzzReplayTests",
            swiftSettings: [.define("EEKIT_FUZZ_REPLAY")]),
        // Resource limits, --state file safety.
        .testTarget(
            name: "ReliabilityTests",
            dependencies: ["EEKit", "EEKitTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/ReliabilityTests"),
    ]
)
