#if canImport(Glibc)
    import Glibc
#endif

/// The CA certificates TLS transfers verify against. The libcurl bundled in a Lambda package was
/// built on Debian and looks for Debian's bundle; Amazon Linux 2023 keeps its own elsewhere. So the
/// bundle is chosen here: `PUNTOS_CA_BUNDLE` when set, else the first system bundle that exists.
public enum CABundle {
    /// Debian and Ubuntu, then Amazon Linux 2023, RHEL and Fedora.
    public static let systemBundles = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"]

    /// The file to give libcurl, or nil to keep libcurl's built-in default.
    public static func choose(override: String?, isReadable: (String) -> Bool) -> String? {
        if let override, !override.isEmpty { return override }
        return systemBundles.first(where: isReadable)
    }

    static let path: String? = choose(
        override: getenv("PUNTOS_CA_BUNDLE").map { String(cString: $0) },
        isReadable: { access($0, R_OK) == 0 })
}
