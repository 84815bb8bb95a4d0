// swift-tools-version: 6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "OneGo",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "onego", targets: ["onego"]),
        .library(name: "BundleKit", targets: ["BundleKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2")
    ],
    targets: [
        .systemLibrary(
            name: "CJSONC",
            pkgConfig: "json-c",
            providers: [.apt(["libjson-c-dev"])]
        ),
        .target(
            name: "JSONC",
            dependencies: ["CJSONC"],
            swiftSettings: strictSettings,
            linkerSettings: [.linkedLibrary("m")]
        ),
        .target(name: "BundleKit", dependencies: ["JSONC"], swiftSettings: strictSettings),
        .target(
            name: "OneGoCLI",
            dependencies: [
                "BundleKit",
                "JSONC",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(name: "onego", dependencies: ["OneGoCLI"], swiftSettings: strictSettings),
        .executableTarget(
            name: "onego-bench", dependencies: ["BundleKit", "JSONC"], path: "Sources/Benchmarks",
            swiftSettings: strictSettings),
        .testTarget(name: "JSONCTests", dependencies: ["JSONC"], swiftSettings: strictSettings),
        .testTarget(name: "BundleKitTests", dependencies: ["BundleKit"], swiftSettings: strictSettings),
        .testTarget(name: "OneGoCLITests", dependencies: ["OneGoCLI", "BundleKit"], swiftSettings: strictSettings),
    ],
    swiftLanguageModes: [.v6]
)
