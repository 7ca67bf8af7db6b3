import CCurlShims
import FoundationEssentials

/// One libcurl easy handle. Reused between transfers, it keeps connections alive.
/// Not for use by two threads at once; each worker owns its own.
///
/// libcurl is loaded on first use (see CCurlShims.h); if it cannot be, every transfer fails with
/// a `CurlError` that says why.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer?
    private let loadError: String?
    private var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

    init() {
        var message = [CChar](repeating: 0, count: 256)
        if puntos_curl_load(&message, message.count) == 1 {
            handle = puntos_curl_easy_init()
            loadError = handle == nil ? "curl_easy_init failed" : nil
        } else {
            handle = nil
            loadError = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    deinit { puntos_curl_easy_cleanup(handle) }

    /// Clears the options of the previous transfer, keeping its connections.
    func reset() {
        puntos_curl_easy_reset(handle)
        errorBuffer.withUnsafeMutableBufferPointer { buffer in
            buffer[0] = 0
            _ = puntos_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
        }
        check(puntos_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))
        if let bundle = CABundle.path { check(puntos_curl_set_string(handle, CURLOPT_CAINFO, bundle)) }
    }

    func set(_ option: CURLoption, _ value: Int) { check(puntos_curl_set_long(handle, option, value)) }
    func set(_ option: CURLoption, _ value: String) { check(puntos_curl_set_string(handle, option, value)) }
    func set(_ option: CURLoption, _ value: OpaquePointer?) {
        check(puntos_curl_set_slist(handle, option, UnsafeMutablePointer(value)))
    }

    /// Fails when libcurl could not be loaded, before any option is set.
    func ready() throws(CurlError) {
        if let loadError { throw CurlError(code: Int(CURLE_FAILED_INIT.rawValue), message: loadError) }
    }

    /// Runs the transfer; the one place a CURLcode becomes a Swift error.
    func perform() throws(CurlError) {
        let code = puntos_curl_easy_perform(handle)
        guard code == CURLE_OK else {
            let detail = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw CurlError(code, responseCode: responseCode, detail: detail)
        }
    }

    var responseCode: Int {
        var code = 0
        _ = puntos_curl_get_response_code(handle, &code)
        return code
    }

    private func check(_ code: CURLcode) {
        // Options are set by this module's code only: a refusal is a programming error.
        precondition(code == CURLE_OK, "curl_easy_setopt failed: \(String(cString: puntos_curl_easy_strerror(code)))")
    }
}

/// Collects a response body and headers from libcurl's callbacks.
final class CurlSink {
    var body = Data()
    var headerLines: [String] = []
    var upload: Data
    var uploadOffset = 0

    init(upload: Data = Data()) { self.upload = upload }

    static let write: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        pointer, size, count, context in
        let sink = Unmanaged<CurlSink>.fromOpaque(context!).takeUnretainedValue()
        let length = size * count
        if let pointer, length > 0 {
            sink.body.append(UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: length)
        }
        return length
    }

    static let header: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        pointer, size, count, context in
        let sink = Unmanaged<CurlSink>.fromOpaque(context!).takeUnretainedValue()
        let length = size * count
        if let pointer, length > 0 {
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: length)
            sink.headerLines.append(String(decoding: bytes, as: UTF8.self))
        }
        return length
    }

    static let read: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        pointer, size, count, context in
        let sink = Unmanaged<CurlSink>.fromOpaque(context!).takeUnretainedValue()
        let length = min(size * count, sink.upload.count - sink.uploadOffset)
        guard let pointer, length > 0 else { return 0 }
        sink.upload.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(pointer).copyMemory(from: raw.baseAddress! + sink.uploadOffset, byteCount: length)
        }
        sink.uploadOffset += length
        return length
    }
}

/// A libcurl string list, freed with its owner.
final class CurlStringList {
    private(set) var pointer: OpaquePointer?

    init(_ strings: [String]) {
        for string in strings { pointer = OpaquePointer(puntos_curl_slist_append(UnsafeMutablePointer(pointer), string)) }
    }

    deinit { puntos_curl_slist_free_all(UnsafeMutablePointer(pointer)) }
}
