/// Small HTML pages (confirmation, unsubscribe) and escaping for every value put into HTML.
package enum HTMLPage {
    package static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A whole page; `body` is HTML already escaped by the caller.
    package static func render(title: String, body: String) -> String {
        """
        <!doctype html>
        <html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">\
        <title>\(escape(title))</title></head>
        <body style="font-family:sans-serif;max-width:36em;margin:2em auto"><h1>\(escape(title))</h1>\(body)</body></html>
        """
    }
}
