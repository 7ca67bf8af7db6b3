import Foundation
import PuntosAlerts
import PuntosCards
import PuntosData
import PuntosDelivery
import PuntosLedger
import PuntosOrganisations
import PuntosRewards
import PuntosRuntime
import PuntosTestSupport
import Testing

@testable import puntos

/// Over the whole route table of deploy.yaml: every route decides its function's kind, and no body or
/// query string can name another, so a public route (confirm with a token, unsubscribe with a token)
/// reaches exactly its one action and a read can never write.
@Suite struct RouteKindTests {
    /// Each function's own route table (`FunctionHandler.httpRoutes`), by executable name.
    static let routeTables: [String: [String: String]] = [
        RegisterCard.name: RegisterCard.httpRoutes, Accrue.name: Accrue.httpRoutes, Redeem.name: Redeem.httpRoutes,
        Balance.name: Balance.httpRoutes, Configure.name: Configure.httpRoutes, Expire.name: Expire.httpRoutes,
        Subscribe.name: Subscribe.httpRoutes, Unsubscribe.name: Unsubscribe.httpRoutes,
        NotifyPriceDrop.name: NotifyPriceDrop.httpRoutes, NotifyStock.name: NotifyStock.httpRoutes,
        Deliver.name: Deliver.httpRoutes, MemberData.name: MemberData.httpRoutes, Rewards.name: Rewards.httpRoutes,
        Organisations.name: Organisations.httpRoutes,
        EarnSweep.name: EarnSweep.httpRoutes,
    ]

    /// Every kind any function understands: a body may try any of them on any route.
    static var everyKind: Set<String> {
        Set(routeTables.values.flatMap(\.values)).union(
            RegisterCardEvent.kinds + AccrueEvent.kinds + RedeemEvent.kinds + BalanceEvent.kinds + ConfigureEvent.kinds
                + SubscribeEvent.kinds + NotifyStockEvent.kinds + MemberDataEvent.kinds + RewardsEvent.kinds
                + OrganisationsEvent.kinds + EarnSweepEvent.kinds + [
                    "sweep", "run", "show", "unsubscribe", "price", "nope",
                ])
    }

    static func template() throws -> Template {
        try Template.load(path: FunctionProcess.projectRoot.appendingPathComponent("deploy.yaml").path)
    }

    static func request(_ routeKey: String, body: String?, query: [String: String]? = nil) throws -> APIGatewayV2Request {
        let method = String(routeKey.prefix { $0 != " " })
        let path = String(routeKey.drop { $0 != " " }.dropFirst())
        var parameters: [String: String] = [:]
        for segment in path.split(separator: "/") where segment.hasPrefix("{") {
            parameters[String(segment.dropFirst().dropLast())] = "7789000000000036"
        }
        var object: [String: Any] = [
            "version": "2.0", "routeKey": routeKey, "rawPath": path,
            "requestContext": ["requestId": "r", "http": ["method": method, "path": path]],
            "pathParameters": parameters, "isBase64Encoded": false,
        ]
        if let body { object["body"] = body }
        if let query { object["queryStringParameters"] = query }
        return try JSONDecoder().decode(APIGatewayV2Request.self, from: JSONSerialization.data(withJSONObject: object))
    }

    @Test func everyRouteOfDeployYamlHasItsKindDecidedByTheFunction() throws {
        let template = try Self.template()
        var routes = 0
        for function in template.functions where !function.routes.isEmpty {
            let table = try #require(Self.routeTables[function.name], "\(function.name) has routes but no route table here")
            for route in function.routes {
                routes += 1
                #expect(table[route.routeKey] != nil, "\(route.routeKey) of \(function.name) leaves the kind to the body")
            }
            #expect(
                Set(table.keys) == Set(function.routes.map(\.routeKey)), "\(function.name): deploy.yaml and httpRoutes differ")
        }
        #expect(routes >= 15, "deploy.yaml should have its routes (found \(routes))")
    }

    @Test func noBodyOrQueryWidensARoute() throws {
        let template = try Self.template()
        var tried = 0
        for function in template.functions {
            guard let table = Self.routeTables[function.name] else { continue }
            for route in function.routes {
                let own = try #require(table[route.routeKey])
                let carriesBody = !route.routeKey.hasPrefix("GET ") && !route.routeKey.hasPrefix("HEAD ")
                for kind in Self.everyKind.sorted() where kind != own {
                    let attempts: [APIGatewayV2Request] =
                        [
                            try Self.request(route.routeKey, body: nil, query: ["kind": kind])
                        ] + (carriesBody ? [try Self.request(route.routeKey, body: #"{"kind":"\#(kind)"}"#)] : [])
                    for attempt in attempts {
                        tried += 1
                        #expect(throws: FunctionError.self, "\(route.routeKey) ran \(kind)") {
                            try attempt.domainEvent(routes: table)
                        }
                        do {
                            _ = try attempt.domainEvent(routes: table)
                        } catch {
                            #expect(error.code == .kindNotAllowed, "\(route.routeKey) with kind \(kind): \(error.code)")
                            #expect(error.field == "kind")
                        }
                    }
                }
                // The route's own kind passes, and is the event's.
                let own_ = try Self.request(route.routeKey, body: carriesBody ? #"{"kind":"\#(own)"}"# : nil)
                let event = try JSONSerialization.jsonObject(with: try own_.domainEvent(routes: table)) as? [String: Any]
                #expect(event?["kind"] as? String == own, "\(route.routeKey)")
            }
        }
        #expect(tried > 300, "tried \(tried) widened requests")
        print("route kinds: \(tried) widened requests over deploy.yaml's routes, all refused")
    }
}
