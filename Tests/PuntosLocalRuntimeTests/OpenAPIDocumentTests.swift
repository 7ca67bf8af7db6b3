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
import Yams

@testable import puntos

/// `openapi.yaml` and `deploy.yaml` describe the same HTTP API: the same routes and methods, the same
/// public and signed routes, the same function and event kind per route, and every operation answers
/// errors with the one error object. (scripts/test also validates the document with
/// openapi-spec-validator and fuzzes a live `puntos up` with schemathesis against it.)
@Suite struct OpenAPIDocumentTests {
    typealias Object = [String: Any]

    static let methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

    static func document() throws -> Object {
        let text = try String(contentsOfFile: FunctionProcess.projectRoot.path + "/openapi.yaml", encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? Object, "openapi.yaml is not a YAML mapping")
    }

    /// `METHOD /path` of every operation, with the operation.
    static func operations(_ document: Object) -> [String: Object] {
        var operations: [String: Object] = [:]
        for (path, item) in document["paths"] as? Object ?? [:] {
            for (method, operation) in item as? Object ?? [:] where methods.contains(method) {
                operations["\(method.uppercased()) \(path)"] = operation as? Object ?? [:]
            }
        }
        return operations
    }

    /// An operation is public when its security (or, without one, the document's) is empty.
    static func isPublic(_ operation: Object, in document: Object) -> Bool {
        let security = (operation["security"] ?? document["security"]) as? [Any] ?? []
        return security.isEmpty
    }

    /// What deploy.yaml serves: each function's HttpApi routes, and the queue intake of `puntos up`
    /// for the template's queues (signed, no function).
    struct Served: Equatable { var function: String?; var isPublic: Bool }

    static func served(_ template: Template) -> [String: Served] {
        var routes: [String: Served] = [:]
        for function in template.functions {
            for route in function.routes { routes[route.routeKey] = Served(function: function.name, isPublic: route.isPublic) }
        }
        if !template.queues.isEmpty { routes["POST /queues/{queue}/messages"] = Served(function: nil, isPublic: false) }
        return routes
    }

    /// Follows `$ref`s inside the document (`#/components/...`).
    static func resolve(_ value: Any?, in document: Object) -> Object? {
        guard var object = value as? Object else { return nil }
        var hops = 0
        while let reference = object["$ref"] as? String, hops < 10 {
            guard reference.hasPrefix("#/") else { return nil }
            var target: Any? = document
            for part in reference.dropFirst(2).split(separator: "/") { target = (target as? Object)?[String(part)] }
            guard let next = target as? Object else { return nil }
            object = next
            hops += 1
        }
        return object
    }

    @Test func isOpenAPI31() throws {
        let document = try Self.document()
        #expect((document["openapi"] as? String)?.hasPrefix("3.1") == true)
    }

    @Test func documentsEveryRouteOfDeployYAMLAndNoOther() throws {
        let document = try Self.document()
        let expected = Self.served(try LocalRuntimeUnitTests.template())
        let operations = Self.operations(document)
        let missing = Set(expected.keys).subtracting(operations.keys).sorted()
        let extra = Set(operations.keys).subtracting(expected.keys).sorted()
        #expect(missing.isEmpty, "routes of deploy.yaml missing from openapi.yaml: \(missing)")
        #expect(extra.isEmpty, "operations of openapi.yaml that deploy.yaml does not serve: \(extra)")
        #expect(expected.count >= 30)
        for (key, served) in expected.sorted(by: { $0.key < $1.key }) {
            guard let operation = operations[key] else { continue }
            #expect(
                Self.isPublic(operation, in: document) == served.isPublic,
                "\(key): deploy.yaml says \(served.isPublic ? "public" : "signed"), openapi.yaml does not")
            #expect(operation["x-puntos-function"] as? String == served.function, "\(key): another function in openapi.yaml")
        }
    }

    @Test func eachOperationNamesTheKindItsRouteDecides() throws {
        let document = try Self.document()
        var kinds: [String: String] = [:]
        for routes in [
            RegisterCard.httpRoutes, Accrue.httpRoutes, Redeem.httpRoutes, Balance.httpRoutes, Configure.httpRoutes,
            Expire.httpRoutes, Subscribe.httpRoutes, Unsubscribe.httpRoutes, NotifyPriceDrop.httpRoutes, NotifyStock.httpRoutes,
            MemberData.httpRoutes, Rewards.httpRoutes, Organisations.httpRoutes, EarnSweep.httpRoutes,
        ] {
            kinds.merge(routes) { first, _ in first }
        }
        for (key, operation) in Self.operations(document) where operation["x-puntos-function"] != nil {
            #expect(operation["x-puntos-kind"] as? String == kinds[key], "\(key): x-puntos-kind is not the route's kind")
        }
    }

    @Test func everyOperationDocumentsTheErrorObject() throws {
        let document = try Self.document()
        let error = try #require(Self.resolve(["$ref": "#/components/schemas/Error"], in: document))
        let body = try #require(Self.resolve((error["properties"] as? Object)?["error"], in: document))
        #expect(Set(body["required"] as? [String] ?? []) == ["code", "message"])
        #expect(Set((body["properties"] as? Object ?? [:]).keys) == ["code", "message", "kind", "field"])
        let kinds = ((body["properties"] as? Object)?["kind"] as? Object)?["enum"] as? [String] ?? []
        for kind in ["bad_input", "not_found", "conflict", "refused", "temporary", "configuration", "bug"] {
            #expect(kinds.contains(kind), "the error object's kind lacks \(kind)")
        }
        for (key, operation) in Self.operations(document).sorted(by: { $0.key < $1.key }) {
            let responses = operation["responses"] as? Object ?? [:]
            var required = ["400", "404", "413", "503", "default"]
            if !Self.isPublic(operation, in: document) { required.append("401") }
            for status in required {
                #expect(responses[status] != nil, "\(key) does not document \(status)")
            }
            for (status, response) in responses where status == "default" || status.hasPrefix("4") || status.hasPrefix("5") {
                let content = Self.resolve(response, in: document)?["content"] as? Object
                let schema = (content?["application/json"] as? Object)?["schema"] as? Object
                #expect(
                    schema?["$ref"] as? String == "#/components/schemas/Error",
                    "\(key) \(status) is not answered with the error object")
            }
            let success = responses.keys.filter { $0.hasPrefix("2") }
            #expect(!success.isEmpty, "\(key) documents no success answer")
        }
    }

    @Test func pathParametersAndQueuesMatchTheTemplate() throws {
        let document = try Self.document()
        let template = try LocalRuntimeUnitTests.template()
        for (key, operation) in Self.operations(document) {
            let path = String(key.split(separator: " ")[1])
            let names = path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
            let declared = (operation["parameters"] as? [Any] ?? []).compactMap { Self.resolve($0, in: document) }
                .filter { $0["in"] as? String == "path" }
            #expect(Set(declared.compactMap { $0["name"] as? String }) == Set(names), "\(key): path parameters")
            #expect(declared.allSatisfy { $0["required"] as? Bool == true }, "\(key): a path parameter is not required")
        }
        let queue = try #require(Self.resolve(["$ref": "#/components/schemas/QueueName"], in: document))
        #expect(Set(queue["enum"] as? [String] ?? []) == Set(template.queues.keys))
    }

    @Test func everyReferenceResolves() throws {
        let document = try Self.document()
        var references: [String] = []
        func walk(_ value: Any) {
            if let object = value as? Object {
                if let reference = object["$ref"] as? String { references.append(reference) }
                object.values.forEach(walk)
            } else if let list = value as? [Any] {
                list.forEach(walk)
            }
        }
        walk(document)
        #expect(references.count > 100)
        for reference in Set(references) {
            #expect(Self.resolve(["$ref": reference], in: document) != nil, "\(reference) does not resolve")
        }
    }

    /// The checker itself: a document with one route removed, one added, or a route turned public,
    /// is caught.
    @Test func theRouteCheckFailsOnADocumentThatDiffers() throws {
        let document = try Self.document()
        let expected = Self.served(try LocalRuntimeUnitTests.template())
        func differs(_ changed: Object) -> Bool {
            let operations = Self.operations(changed)
            return Set(operations.keys) != Set(expected.keys)
                || operations.contains { Self.isPublic($0.value, in: changed) != expected[$0.key]?.isPublic }
        }
        let unchanged = differs(document)
        #expect(!unchanged)
        var paths = document["paths"] as? Object ?? [:]
        var removed = document
        removed["paths"] = paths.filter { $0.key != "/holds" }
        let removedDiffers = differs(removed)
        #expect(removedDiffers)
        var added = document
        paths["/holds/{voucher_number}"] = ["get": ["responses": [:]]]
        added["paths"] = paths
        let addedDiffers = differs(added)
        #expect(addedDiffers)
        var opened = document
        var cards = (document["paths"] as? Object)?["/cards"] as? Object ?? [:]
        var issue = cards["post"] as? Object ?? [:]
        issue["security"] = [Any]()
        cards["post"] = issue
        var openedPaths = document["paths"] as? Object ?? [:]
        openedPaths["/cards"] = cards
        opened["paths"] = openedPaths
        let openedDiffers = differs(opened)
        #expect(openedDiffers)
    }
}

/// `puntos up` serving deploy.yaml itself (not the test fixture): signed calls reach the functions,
/// although deploy.yaml sets PUNTOS_BODY_DIGEST=authorizer for them (puntos up passes on the digest of
/// the body it checked, as the AWS authorizer does); POST /prices and a statement's `?limit=` work.
@Suite(.serialized) struct DeployYAMLServedTests {
    func json(_ response: HTTPResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]) ?? [:]
    }

    @Test func signedCallsReachTheFunctionsOfDeployYAML() throws {
        let runtime = try LocalRuntime(arguments: [
            "--template", "deploy.yaml", "--parameter", "WebhookSecrets=pos=pos-secret",
            "--parameter", "SigningSecret=openapi-test",
        ])
        defer { #expect(runtime.stop() == 0) }
        let external = TestDatabase.unique("oa")
        let issued = try runtime.signed("POST", "/cards", body: #"{"customer":{"external_id":"\#(external)"}}"#)
        #expect(issued.status == 200, "\(String(decoding: issued.body, as: UTF8.self))")
        let number = try #require((json(issued)["card"] as? [String: Any])?["number"] as? String)

        let statement = try runtime.signed("GET", "/cards/\(number)/statement?limit=5")
        #expect(statement.status == 200, "\(String(decoding: statement.body, as: UTF8.self))")
        #expect(json(statement)["entries"] is [Any])
        let badLimit = try runtime.signed("GET", "/cards/\(number)/statement?limit=five")
        #expect(badLimit.status == 400)
        #expect((json(badLimit)["error"] as? [String: Any])?["field"] as? String == "limit")

        let store = TestDatabase.unique("store")
        let prices = try runtime.signed(
            "POST", "/prices", body: #"{"store":"\#(store)","currency":"USD","sku":"A-1","price":"9.90"}"#)
        #expect(prices.status == 200, "\(String(decoding: prices.body, as: UTF8.self))")
        #expect(json(prices)["items"] as? Int == 1)
        let widened = try runtime.signed(
            "POST", "/prices", body: #"{"kind":"stock","store":"\#(store)","currency":"USD","sku":"A-1","price":"9.80"}"#)
        #expect(widened.status == 400)

        // Found by schemathesis: points of Int64.min crashed accrue's worker (502, an overflow in abs);
        // a point_value with more decimals than the column keeps failed its CHECK (500).
        let minimum = try runtime.signed(
            "POST", "/adjustments",
            body: #"{"idempotency_key":"\#(external)","external_id":"\#(external)","points":-9223372036854775808,"reason":"x"}"#)
        #expect(minimum.status == 400, "\(String(decoding: minimum.body, as: UTF8.self))")
        #expect((json(minimum)["error"] as? [String: Any])?["field"] as? String == "points")
        for (field, value) in [("point_value", "1.2989709676131911e-36"), ("max_order_share", "0.00001")] {
            let tiny = try runtime.signed("PUT", "/programme", body: #"{"\#(field)":\#(value)}"#)
            #expect(tiny.status == 400, "\(field): \(String(decoding: tiny.body, as: UTF8.self))")
            #expect((json(tiny)["error"] as? [String: Any])?["field"] as? String == field)
        }

        // Programmes as data: PUT /programmes/{programme} creates, a repeat changes nothing, a change is a version.
        let programme = TestDatabase.unique("rigla")
        let rigla = #"{"name":"Rigla","currency":"RUB","time_zone":"Europe/Moscow","max_order_share":0.5,"regions":["moscow"]}"#
        let created = try runtime.signed("PUT", "/programmes/\(programme)", body: rigla)
        #expect(created.status == 200, "\(String(decoding: created.body, as: UTF8.self))")
        #expect(json(created)["created"] as? Bool == true && json(created)["version"] as? Int == 1)
        // The same settings in another body (a signed body is accepted once: a replay is refused).
        let repeated = try runtime.signed("PUT", "/programmes/\(programme)", body: rigla + " ")
        #expect(
            json(repeated)["created"] as? Bool == false && json(repeated)["version"] as? Int == 1,
            "\(String(decoding: repeated.body, as: UTF8.self))")
        let zone = try runtime.signed("PUT", "/programmes/\(programme)", body: #"{"time_zone":"Moon/Tranquility"}"#)
        #expect(zone.status == 400 && (json(zone)["error"] as? [String: Any])?["field"] as? String == "time_zone")
        let rules = try runtime.signed(
            "PUT", "/segments/restaurants", body: #"{"programme":"\#(programme)","point_value":0.5,"min_redemption":1000}"#)
        #expect(rules.status == 200, "\(String(decoding: rules.body, as: UTF8.self))")
        #expect((json(rules)["segment_rules"] as? [String: Any])?["version"] as? Int == 1)
        let offRegion = try runtime.signed(
            "POST", "/redemptions",
            body:
                #"{"programme":"\#(programme)","external_id":"nobody","order_number":"O-1","order_amount":10,"points":1,"region":"tver"}"#
        )
        #expect(offRegion.status == 422 && (json(offRegion)["error"] as? [String: Any])?["code"] as? String == "region_disabled")
    }
}
