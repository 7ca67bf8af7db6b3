// swift-tools-version:6.0
import PackageDescription

/// The function executables, named as users type them and as `deploy.yaml` names them (a test reads
/// both lists and checks that they agree), each with the modules its `main.swift` imports. A new
/// function is one line here, a folder `Functions/<name>/main.swift` and its entry in deploy.yaml.
let functions: [(name: String, modules: [String])] = [
    ("register-card", ["PuntosCards"]),
    ("accrue", ["PuntosLedger"]),
    ("redeem", ["PuntosLedger"]),
    ("balance", ["PuntosLedger"]),
    ("expire", ["PuntosLedger"]),
    ("earn-sweep", ["PuntosLedger"]),
    ("configure", ["PuntosLedger"]),
    ("subscribe", ["PuntosAlerts"]),
    ("notify-price-drop", ["PuntosAlerts"]),
    ("notify-stock", ["PuntosAlerts"]),
    ("deliver", ["PuntosDelivery"]),
    ("unsubscribe", ["PuntosDelivery"]),
    ("webhook-authorizer", ["PuntosAuthorizer"]),
    ("member-data", ["PuntosData"]),
    ("rewards", ["PuntosRewards"]),
    ("organisations", ["PuntosOrganisations"]),
]

/// The domain, one module per concept, in `Functions/<name>`. Core holds what every function
/// shares (identifiers, money, validation, idempotency, programmes, customer identity, signed
/// links); a concept module imports Core and the runtime, never another concept module.
let domainModules: [(name: String, dependencies: [String])] = [
    ("PuntosCore", []),
    ("PuntosCards", ["PuntosCore"]),
    ("PuntosLedger", ["PuntosCore"]),
    ("PuntosAlerts", ["PuntosCore"]),
    ("PuntosDelivery", ["PuntosCore", "PuntosWebhooks"]),
    ("PuntosData", ["PuntosCore"]),
    ("PuntosRewards", ["PuntosCore"]),
    ("PuntosOrganisations", ["PuntosCore"]),
]

/// One set of compiler settings, applied to every target by the loop at the end of this file.
/// - Swift 6 language mode (the default with tools version 6.0): complete data-race checking, so
///   strict concurrency is on for every target without a flag.
/// - `ExistentialAny`: existential types are spelled `any P`.
/// - `MemberImportVisibility`: a file uses members (extension methods, say) only of modules it
///   imports itself, not of modules that another file of its module happens to import.
/// - `InternalImportsByDefault`: an `import` is internal; a module that shows an imported type in
///   its own API says so with `public import` or `package import`, so the dependencies a module
///   passes on to its importers are written down.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Puntos",
    platforms: [.macOS(.v15)],
    products: [.executable(name: "puntos", targets: ["puntos"]), .executable(name: "puntos-import", targets: ["puntos-import"])]
        + functions.map { .executable(name: $0.name, targets: [$0.name]) },
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        // The local runtime only (never a function executable): HTTP server and deploy.yaml.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
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
            path: "Runtime/PuntosPostgres"),

        // The runtime every function links: handler shape, drivers, envelopes, errors, JSON logs.
        .target(
            name: "PuntosRuntime",
            dependencies: [
                "PuntosPostgres", "CCurlShims", "CCrypto", "CGlibcCompat", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Runtime/PuntosRuntime"),

        // Signed webhooks: the canonical signature, HMAC checks, the replay table (puntos up and the AWS authorizer).
        .target(
            name: "PuntosWebhooks", dependencies: ["PuntosPostgres", "PuntosRuntime", "CCrypto"],
            path: "Runtime/PuntosWebhooks"),

        // Warm ledger benchmark (bench/ledger.sh).
        .executableTarget(
            name: "bench-ledger",
            dependencies: [
                "PuntosCore", "PuntosCards", "PuntosLedger", "PuntosRuntime", "PuntosPostgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "bench/ledger"),
        // Warm buy_reward benchmark (bench/rewards.sh).
        .executableTarget(
            name: "bench-rewards",
            dependencies: [
                "PuntosCore", "PuntosCards", "PuntosLedger", "PuntosRewards", "PuntosRuntime", "PuntosPostgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "bench/rewards"),
        // bench/all: a do-nothing function run by `puntos up`, and a bare Hummingbird route answering the same bytes.
        .executableTarget(name: "bench-noop", dependencies: ["PuntosRuntime"], path: "bench/noop"),
        .executableTarget(
            name: "bench-bare-http", dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "bench/bare-http"),
        // API Gateway's Lambda authorizer on AWS (puntos up checks signatures itself).
        .target(
            name: "PuntosAuthorizer",
            dependencies: ["PuntosRuntime", "PuntosPostgres", "PuntosWebhooks", .product(name: "Logging", package: "swift-log")],
            path: "Functions/PuntosAuthorizer"),
        // `puntos import`: history in bulk, validated and priced by the domain's own rules, written with COPY.
        // A tool over the concept modules (nothing imports it); `puntos import` runs its executable, so
        // the runtime links no domain module.
        .target(
            name: "PuntosImport",
            dependencies: ["PuntosCore", "PuntosLedger", "PuntosRuntime", "PuntosPostgres"],
            path: "Functions/PuntosImport"),
        .executableTarget(name: "puntos-import", dependencies: ["PuntosImport"], path: "Functions/puntos-import"),
        // The local runtime.
        .executableTarget(
            name: "puntos",
            dependencies: [
                "PuntosPostgres", "PuntosRuntime", "PuntosWebhooks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Runtime/puntos"),

        // Tests. A test-only function that fails, sleeps or crashes on demand, for the local runtime's tests.
        .executableTarget(
            name: "puntos-test-echo", dependencies: ["PuntosRuntime", "PuntosPostgres"],
            path: "Tests/Fixtures/puntos-test-echo"),
        .target(
            name: "PuntosTestSupport",
            dependencies: ["PuntosPostgres", "PuntosRuntime"],
            path: "Tests/PuntosTestSupport"),
        .testTarget(
            name: "PuntosRuntimeTests", dependencies: ["PuntosRuntime", "PuntosPostgres"],
            path: "Tests/PuntosRuntimeTests"),
        .testTarget(
            name: "PuntosDomainTests",
            dependencies: ["PuntosCore", "PuntosCards", "PuntosLedger", "PuntosAlerts", "PuntosDelivery", "PuntosRuntime"],
            path: "Tests/PuntosDomainTests"),
        .testTarget(
            name: "PuntosIntegrationTests",
            dependencies: [
                "PuntosCore", "PuntosCards", "PuntosLedger", "PuntosAlerts", "PuntosDelivery", "PuntosData", "PuntosRewards",
                "PuntosOrganisations", "PuntosRuntime", "PuntosPostgres", "PuntosTestSupport", "PuntosImport",
            ],
            path: "Tests/PuntosIntegrationTests"),
        .testTarget(
            name: "PuntosLocalRuntimeTests",
            dependencies: [
                "puntos", "PuntosCore", "PuntosCards", "PuntosLedger", "PuntosAlerts", "PuntosDelivery", "PuntosData",
                "PuntosRewards", "PuntosOrganisations", "PuntosPostgres", "PuntosRuntime", "PuntosTestSupport",
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Tests/PuntosLocalRuntimeTests"),
        .testTarget(
            name: "PuntosPackagingTests", dependencies: ["PuntosTestSupport", "PuntosAuthorizer", "PuntosRuntime"],
            path: "Tests/PuntosPackagingTests"),
        .testTarget(
            name: "PuntosGatewayTests",
            dependencies: [
                "puntos", "PuntosWebhooks", "PuntosCore", "PuntosCards", "PuntosLedger", "PuntosAlerts", "PuntosDelivery",
                "PuntosPostgres", "PuntosRuntime", "PuntosTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/PuntosGatewayTests"),
        .testTarget(
            name: "PuntosEndToEndTests",
            dependencies: ["PuntosPostgres", "PuntosTestSupport"],
            path: "Tests/PuntosEndToEndTests"),
    ]
)

package.targets += domainModules.map { module in
    .target(
        name: module.name,
        dependencies: (module.dependencies + ["PuntosRuntime", "PuntosPostgres"]).map { .target(name: $0) },
        path: "Functions/\(module.name)")
}

package.targets += functions.map { function in
    .executableTarget(
        name: function.name,
        dependencies: (function.modules + ["PuntosRuntime"]).map { .target(name: $0) },
        path: "Functions/\(function.name)")
}

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + swiftSettings
}
