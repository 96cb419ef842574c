// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "WeightKit",
    products: [
        .library(name: "WeightKit", targets: ["WeightKit"]),
        .executable(name: "weightkit", targets: ["weightkit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.7.0"),
        // `swift package generate-documentation` (scripts/docs); no target depends on it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibzip",
            pkgConfig: "libzip",
            providers: [.apt(["libzip-dev"])]
        ),
        .systemLibrary(
            name: "CProtobufC",
            pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]
        ),
        // Headers only: the forward pass loads libopenblas.so.0 when it first runs (BLAS.swift).
        .systemLibrary(name: "COpenBLAS"),
        // glibc's mallopt, for the forward pass's opt-in allocator tuning.
        .systemLibrary(name: "CAllocator"),
        .target(
            name: "CCaffe2Proto",
            dependencies: ["CProtobufC"],
            path: "Sources/CCaffe2Proto"
        ),
        .target(
            name: "CONNXProto",
            dependencies: ["CProtobufC"],
            path: "Sources/CONNXProto"
        ),
        // The layers, each depending only on the ones above it here (Sources/README.md draws them).
        .target(
            name: "WeightKitCore",
            dependencies: [.product(name: "SystemPackage", package: "swift-system")]
        ),
        .target(
            name: "WeightKitFormats",
            dependencies: ["WeightKitCore", "CLibzip", "CProtobufC", "CCaffe2Proto", "CONNXProto"]
        ),
        .target(
            name: "WeightKitLayouts",
            dependencies: ["WeightKitCore"],
            plugins: ["EmbedLayouts"]
        ),
        // schemas/layouts/*.json, the one source of the layouts, embedded at build time.
        .plugin(
            name: "EmbedLayouts", capability: .buildTool(),
            path: "Sources/EmbedLayouts"
        ),
        .target(
            name: "WeightKitVerify",
            dependencies: ["WeightKitCore", "WeightKitFormats", "WeightKitLayouts", "COpenBLAS", "CAllocator"]
        ),
        .target(
            name: "WeightKit",
            dependencies: [
                "WeightKitCore", "WeightKitFormats", "WeightKitLayouts", "WeightKitVerify",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "weightkit",
            dependencies: [
                "WeightKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "WeightKitFuzz",
            dependencies: ["WeightKit", "WeightKitCore", "WeightKitFormats"]
        ),
        .executableTarget(
            name: "ForwardBenchmark",
            dependencies: ["WeightKit"],
            path: "Benchmarks/ForwardBenchmark"
        ),
        // Helpers both test targets share.
        .target(name: "WeightKitTestSupport", path: "Tests/WeightKitTestSupport"),
        .testTarget(
            name: "WeightKitTests",
            dependencies: [
                "WeightKit", "WeightKitCore", "WeightKitFormats", "WeightKitLayouts", "WeightKitVerify", "WeightKitTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "WeightKitCLITests",
            dependencies: [
                "weightkit", "WeightKit", "WeightKitTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)
