import Foundation

/// The repository's root (where Package.swift, deploy.yaml, openapi.yaml and the README are).
public enum FunctionProcessRoot {
    public static var path: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }
}
