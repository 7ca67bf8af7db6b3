// swift-tools-version:6.0
import PackageDescription

/// One set of compiler settings for every target: Swift 6 language mode with strict concurrency.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "Puntos",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "puntos", targets: ["puntos"]),
        .executable(name: "register-card", targets: ["register-card"]),
        .executable(name: "accrue", targets: ["accrue"]),
        .executable(name: "redeem", targets: ["redeem"]),
        .executable(name: "balance", targets: ["balance"]),
        .executable(name: "expire", targets: ["expire"]),
        .executable(name: "configure", targets: ["configure"]),
        .executable(name: "subscribe", targets: ["subscribe"]),
        .executable(name: "notify-price-drop", targets: ["notify-price-drop"]),
        .executable(name: "notify-stock", targets: ["notify-stock"]),
        .executable(name: "deliver", targets: ["deliver"]),
        .executable(name: "unsubscribe", targets: ["unsubscribe"]),
        .executable(name: "webhook-authorizer", targets: ["webhook-authorizer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        // The local runtime only (never a function executable): HTTP server and deploy.yaml.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // C libraries, found through pkg-config.
        .systemLibrary(
            name: "CLibPQ", path: "Runtime/CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        .systemLibrary(
            name: "CCrypto", path: "Runtime/CCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        // libcurl (headers from libcurl4-openssl-dev), loaded with dlopen on first use, with typed
        // wrappers for its variadic calls. Linking it would load libcurl and the dozen libraries it
        // needs at every cold start, about a fifth of a one-shot function's time, to send nothing.
        .target(name: "CCurlShims", path: "Runtime/CCurlShims", linkerSettings: [.linkedLibrary("dl")]),
        // Keeps every executable loadable by glibc 2.34 (AWS Lambda's provided.al2023) although built
        // against Debian 12's 2.36: the three references that would need GLIBC_2.35/2.36 are wrapped
        // and pinned to older versions (Runtime/CGlibcCompat/GlibcCompat.c; scripts/package checks).
        .target(
            name: "CGlibcCompat", path: "Runtime/CGlibcCompat",
            linkerSettings: [
                .unsafeFlags([
                    "-Xlinker", "--wrap=hypotf", "-Xlinker", "--wrap=_dl_find_object", "-Xlinker", "--wrap=arc4random",
                ])
            ]),

        // The PostgreSQL layer over libpq: connections, bind-parameter queries, transactions, migrations.
        .target(
            name: "PuntosPostgres",
            dependencies: ["CLibPQ", .product(name: "Logging", package: "swift-log")],
            path: "Runtime/PuntosPostgres", swiftSettings: swiftSettings),

        // The runtime every function links: handler shape, drivers, envelopes, errors, JSON logs.
        .target(
            name: "PuntosRuntime",
            dependencies: [
                "PuntosPostgres", "CCurlShims", "CCrypto", "CGlibcCompat", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Runtime/PuntosRuntime", swiftSettings: swiftSettings),

        // Signed webhooks: the canonical signature, HMAC checks, the replay table (puntos up and the AWS authorizer).
        .target(
            name: "PuntosWebhooks", dependencies: ["PuntosPostgres", "PuntosRuntime", "CCrypto"],
            path: "Runtime/PuntosWebhooks", swiftSettings: swiftSettings),

        // The shared domain library: cards, customers, idempotency, and each function's handler.
        .target(
            name: "PuntosDomain",
            dependencies: ["PuntosRuntime", "PuntosPostgres"],
            path: "Functions/PuntosDomain", swiftSettings: swiftSettings),

        // Function executables, named as users type them.
        .executableTarget(
            name: "register-card", dependencies: ["PuntosDomain", "PuntosRuntime"],
            path: "Functions/register-card", swiftSettings: swiftSettings),
        .executableTarget(
            name: "accrue", dependencies: ["PuntosDomain", "PuntosRuntime"], path: "Functions/accrue",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "redeem", dependencies: ["PuntosDomain", "PuntosRuntime"], path: "Functions/redeem",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "balance", dependencies: ["PuntosDomain", "PuntosRuntime"], path: "Functions/balance",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "configure", dependencies: ["PuntosDomain", "PuntosRuntime"], path: "Functions/configure",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "expire", dependencies: ["PuntosDomain", "PuntosRuntime"], path: "Functions/expire",
            swiftSettings: swiftSettings),

        // Warm ledger benchmark (bench/ledger.sh).
        .executableTarget(
            name: "bench-ledger",
            dependencies: ["PuntosDomain", "PuntosRuntime", "PuntosPostgres", .product(name: "Logging", package: "swift-log")],
            path: "bench/ledger", swiftSettings: swiftSettings),
        .executableTarget(
            name: "subscribe", dependencies: ["PuntosDomain", "PuntosRuntime"],
            path: "Functions/subscribe", swiftSettings: swiftSettings),
        .executableTarget(
            name: "notify-price-drop", dependencies: ["PuntosDomain", "PuntosRuntime"],
            path: "Functions/notify-price-drop", swiftSettings: swiftSettings),
        .executableTarget(
            name: "notify-stock", dependencies: ["PuntosDomain", "PuntosRuntime"],
            path: "Functions/notify-stock", swiftSettings: swiftSettings),
        .executableTarget(
            name: "deliver", dependencies: ["PuntosDomain", "PuntosRuntime"],
            path: "Functions/deliver", swiftSettings: swiftSettings),
        .executableTarget(
            name: "unsubscribe", dependencies: ["PuntosDomain", "PuntosRuntime"],
            path: "Functions/unsubscribe", swiftSettings: swiftSettings),

        // API Gateway's Lambda authorizer on AWS (puntos up checks signatures itself).
        .target(
            name: "PuntosAuthorizer",
            dependencies: ["PuntosRuntime", "PuntosPostgres", "PuntosWebhooks", .product(name: "Logging", package: "swift-log")],
            path: "Functions/PuntosAuthorizer", swiftSettings: swiftSettings),
        .executableTarget(
            name: "webhook-authorizer", dependencies: ["PuntosAuthorizer"], path: "Functions/webhook-authorizer",
            swiftSettings: swiftSettings),

        // The local runtime.
        .executableTarget(
            name: "puntos",
            dependencies: [
                "PuntosPostgres", "PuntosRuntime", "PuntosWebhooks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Runtime/puntos", swiftSettings: swiftSettings),

        // Tests. A test-only function that fails, sleeps or crashes on demand, for the local runtime's tests.
        .executableTarget(
            name: "puntos-test-echo", dependencies: ["PuntosRuntime", "PuntosPostgres"],
            path: "Tests/Fixtures/puntos-test-echo", swiftSettings: swiftSettings),
        .target(
            name: "PuntosTestSupport",
            dependencies: ["PuntosPostgres", "PuntosRuntime"],
            path: "Tests/PuntosTestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "PuntosRuntimeTests", dependencies: ["PuntosRuntime", "PuntosPostgres"],
            path: "Tests/PuntosRuntimeTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "PuntosDomainTests", dependencies: ["PuntosDomain", "PuntosRuntime"],
            path: "Tests/PuntosDomainTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "PuntosIntegrationTests",
            dependencies: ["PuntosDomain", "PuntosRuntime", "PuntosPostgres", "PuntosTestSupport"],
            path: "Tests/PuntosIntegrationTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "PuntosLocalRuntimeTests",
            dependencies: ["puntos", "PuntosDomain", "PuntosPostgres", "PuntosRuntime", "PuntosTestSupport"],
            path: "Tests/PuntosLocalRuntimeTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "PuntosPackagingTests", dependencies: ["PuntosTestSupport", "PuntosAuthorizer", "PuntosRuntime"],
            path: "Tests/PuntosPackagingTests",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "PuntosGatewayTests",
            dependencies: [
                "puntos", "PuntosWebhooks", "PuntosDomain", "PuntosPostgres", "PuntosRuntime", "PuntosTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/PuntosGatewayTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "PuntosEndToEndTests",
            dependencies: ["PuntosPostgres", "PuntosTestSupport"],
            path: "Tests/PuntosEndToEndTests", swiftSettings: swiftSettings),
    ]
)
