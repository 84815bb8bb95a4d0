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
        .executable(name: "onego-kiosk", targets: ["onego-kiosk"]),
        .library(name: "BundleKit", targets: ["BundleKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", exact: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
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
        .target(
            name: "CNative",
            // DWARF 4: valgrind 3.19, which the benchmarks use, gives up on clang's default DWARF 5.
            cSettings: [.unsafeFlags(["-gdwarf-4"])],
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),
        .target(name: "BundleKit", dependencies: ["JSONC"], swiftSettings: strictSettings),
        .target(name: "WorkCalendar", dependencies: ["JSONC"], swiftSettings: strictSettings),
        .target(
            name: "CaseEngine",
            dependencies: [
                "BundleKit", "CNative", "JSONC", "WorkCalendar", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "CaseStoreSQLite",
            dependencies: [
                "CaseEngine", "BundleKit", "CNative", "JSONC", "WorkCalendar",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "CaseStorePostgres",
            dependencies: [
                "CaseEngine", "BundleKit", "JSONC", "WorkCalendar",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "OneGoServer",
            dependencies: [
                "BundleKit", "CaseEngine", "JSONC", "WorkCalendar",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "OneGoClient",
            dependencies: [
                "BundleKit", "CaseEngine", "JSONC", "WorkCalendar",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Kiosk",
            dependencies: [
                "BundleKit", "CaseEngine", "JSONC", "OneGoClient", "WorkCalendar",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "OneGoCLI",
            dependencies: [
                "BundleKit",
                "CaseEngine",
                "CaseStorePostgres",
                "CaseStoreSQLite",
                "JSONC",
                "Kiosk",
                "OneGoClient",
                "OneGoServer",
                "WorkCalendar",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(name: "onego", dependencies: ["OneGoCLI"], swiftSettings: strictSettings),
        .executableTarget(name: "onego-kiosk", dependencies: ["OneGoCLI"], swiftSettings: strictSettings),
        .executableTarget(
            name: "onego-bench",
            dependencies: [
                "BundleKit", "CaseEngine", "CaseStorePostgres", "CaseStoreSQLite", "JSONC", "OneGoServer",
                "WorkCalendar",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Benchmarks", swiftSettings: strictSettings),
        .testTarget(name: "JSONCTests", dependencies: ["JSONC"], swiftSettings: strictSettings),
        .testTarget(name: "BundleKitTests", dependencies: ["BundleKit", "JSONC"], swiftSettings: strictSettings),
        .testTarget(name: "WorkCalendarTests", dependencies: ["WorkCalendar"], swiftSettings: strictSettings),
        .target(name: "PostgresTesting", path: "Tests/PostgresTesting", swiftSettings: strictSettings),
        .target(
            name: "WebhookTesting", dependencies: ["PostgresTesting"], path: "Tests/WebhookTesting",
            swiftSettings: strictSettings),
        .testTarget(
            name: "CaseEngineTests",
            dependencies: [
                "CaseEngine", "CaseStoreSQLite", "CaseStorePostgres", "PostgresTesting", "BundleKit", "WorkCalendar",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "KioskTests",
            dependencies: ["Kiosk", "CaseEngine", "CaseStoreSQLite", "BundleKit", "WorkCalendar"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OneGoServerTests",
            dependencies: [
                "OneGoServer", "CaseEngine", "CaseStoreSQLite", "CaseStorePostgres", "BundleKit", "Kiosk",
                "WorkCalendar",
                "PostgresTesting", "WebhookTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OneGoCLITests",
            dependencies: [
                "OneGoCLI", "BundleKit", "CaseEngine", "CaseStoreSQLite", "PostgresTesting", "WebhookTesting",
            ],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
