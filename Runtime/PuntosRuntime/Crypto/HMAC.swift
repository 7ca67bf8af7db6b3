import CCrypto
public import FoundationEssentials

/// HMAC-SHA256 and friends through OpenSSL's libcrypto, already loaded by libpq and libcurl.
public enum HMACSHA256 {
    public static func authenticationCode(for message: some DataProtocol, key: some DataProtocol) -> Data {
        let keyBytes = Array(key)
        let messageBytes = Array(message)
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = keyBytes.withUnsafeBufferPointer { keyBuffer in
            messageBytes.withUnsafeBufferPointer { messageBuffer in
                HMAC(
                    EVP_sha256(), keyBuffer.baseAddress, Int32(keyBuffer.count), messageBuffer.baseAddress, messageBuffer.count,
                    &output, &length)
            }
        }
        precondition(result != nil, "HMAC-SHA256 failed")
        return Data(output.prefix(Int(length)))
    }

    /// Whether `code` is the right code for `message`, compared in constant time.
    public static func isValid(_ code: some DataProtocol, for message: some DataProtocol, key: some DataProtocol) -> Bool {
        let expected = authenticationCode(for: message, key: key)
        let given = Array(code)
        guard given.count == expected.count else { return false }
        return expected.withUnsafeBytes { expectedBuffer in
            given.withUnsafeBytes { givenBuffer in
                CRYPTO_memcmp(expectedBuffer.baseAddress, givenBuffer.baseAddress, given.count) == 0
            }
        }
    }
}

public enum SHA256Digest {
    public static func hash(_ data: some DataProtocol) -> Data {
        let bytes = Array(data)
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBufferPointer { EVP_Digest($0.baseAddress, $0.count, &output, &length, EVP_sha256(), nil) }
        precondition(ok == 1, "SHA-256 failed")
        return Data(output.prefix(Int(length)))
    }
}

public enum SecureRandom {
    /// `count` bytes from OpenSSL's CSPRNG.
    public static func bytes(_ count: Int) -> Data {
        var bytes = [UInt8](repeating: 0, count: count)
        precondition(RAND_bytes(&bytes, Int32(count)) == 1, "RAND_bytes failed")
        return Data(bytes)
    }
}

extension Data {
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(count * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Base64url without padding (RFC 4648 §5), for tokens in links.
    public var base64URLEncoded: String {
        String(base64EncodedString().map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }.filter { $0 != "=" })
    }

    public init?(base64URLEncoded text: String) {
        var base64 = String(text.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }
}
