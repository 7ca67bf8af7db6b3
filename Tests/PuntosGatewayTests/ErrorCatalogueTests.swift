import Foundation
import PuntosRuntime
import PuntosTestSupport
import PuntosWebhooks
import Testing

/// The README's error-code table is the catalogue: `FunctionError.Code` and the table list the same
/// codes, the signature refusals it names are `AuthenticationFailure`'s, and every code in the
/// catalogue is answered somewhere in the sources (no dead entries).
@Suite struct ErrorCatalogueTests {
    static func readme() throws -> String {
        try String(contentsOfFile: FunctionProcess.projectRoot.path + "/README.md", encoding: .utf8)
    }

    /// The first-column codes of the table under `### Error codes`.
    static func tableCodes(_ readme: String) throws -> [String] {
        let section = try #require(readme.range(of: "### Error codes"), "README has no Error codes section")
        let rest = readme[section.upperBound...]
        let end = rest.range(of: "\n### ")?.lowerBound ?? rest.endIndex
        return rest[..<end].split(separator: "\n").compactMap { line in
            guard line.hasPrefix("| `") else { return nil }
            return line.dropFirst(3).prefix { $0 != "`" }.description
        }
    }

    @Test func theReadmeTableListsExactlyTheCatalogue() throws {
        let listed = try Self.tableCodes(Self.readme())
        let catalogue = FunctionError.Code.allCases.map(\.rawValue)
        #expect(Set(listed).count == listed.count, "a code is listed twice: \(listed)")
        #expect(Set(listed).subtracting(catalogue).sorted() == [], "in the README but not in FunctionError.Code")
        #expect(Set(catalogue).subtracting(listed).sorted() == [], "in FunctionError.Code but not in the README")
    }

    @Test func theReadmeNamesEverySignatureRefusal() throws {
        let readme = try Self.readme()
        for failure in AuthenticationFailure.allCases {
            #expect(readme.contains("`\(failure.code)`"), "the README does not name \(failure.code)")
        }
    }

    /// Each case is used as `.caseName` in Runtime/ or Functions/, or made from a card's or hold's
    /// status (`Code.cardIs`, `Code.holdIs`).
    @Test func everyCodeIsAnsweredSomewhere() throws {
        let root = URL(fileURLWithPath: FunctionProcess.projectRoot.path)
        var sources = ""
        for folder in ["Runtime", "Functions"] {
            let walker = FileManager.default.enumerator(at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil)
            while let file = walker?.nextObject() as? URL {
                guard file.pathExtension == "swift", !file.lastPathComponent.hasPrefix("FunctionError+Code") else { continue }
                sources += try String(contentsOf: file, encoding: .utf8)
            }
        }
        let fromStatus: Set<FunctionError.Code> = [.cardBlocked, .cardReplaced, .holdCommitted, .holdReleased, .holdTimedOut]
        // A case `invalidJSON` is written `.invalidJSON`: compare without underscores and case.
        let folded = sources.lowercased()
        for code in FunctionError.Code.allCases where !fromStatus.contains(code) {
            let name = "." + code.rawValue.replacing("_", with: "")
            #expect(folded.contains(name), "\(code.rawValue) is never answered")
        }
        #expect(FunctionError.Code.cardIs("blocked") == .cardBlocked)
        #expect(FunctionError.Code.holdIs("timed_out") == .holdTimedOut)
        #expect(FunctionError.Code.holdIs("open") == .internalError, "an open hold is no refusal")
    }
}
