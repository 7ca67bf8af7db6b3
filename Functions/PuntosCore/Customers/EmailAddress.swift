/// An e-mail address, trimmed and lower-cased so that one person is one address.
package struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    package let value: String

    package static func parse(_ text: String) -> EmailAddress? {
        let trimmed = text.trimmingSpaces.lowercased()
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard trimmed.storedLength <= 254, parts.count == 2,
            let local = parts.first, let domain = parts.last,
            (1...64).contains(String(local).storedLength), domain.count >= 3,
            domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains(".."),
            !trimmed.contains(where: { $0.isWhitespace || $0.isNewline || $0 == "," || $0 == "<" || $0 == ">" })
        else { return nil }
        return EmailAddress(value: trimmed)
    }

    package var description: String { value }
}

extension String {
    /// Without leading and trailing whitespace (FoundationEssentials has no `trimmingCharacters`).
    package var trimmingSpaces: String {
        var slice = self[...]
        while slice.first?.isWhitespace == true { slice.removeFirst() }
        while slice.last?.isWhitespace == true { slice.removeLast() }
        return String(slice)
    }
}
