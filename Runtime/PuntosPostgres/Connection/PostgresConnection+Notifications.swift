import CLibPQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A `NOTIFY` received on a connection that ran `LISTEN`.
public struct PostgresNotification: Sendable, Equatable {
    public let channel: String
    public let payload: String
}

extension PostgresConnection {
    /// Waits up to `timeoutMilliseconds` for notifications (after `LISTEN channel`) and returns those
    /// that arrived; empty on timeout. Throws `connectionLost` when the connection breaks.
    public func waitForNotifications(timeoutMilliseconds: Int32) throws -> [PostgresNotification] {
        guard let handle else { throw PostgresError(code: .connectionLost, message: "the connection is closed") }
        var notifications = drain(handle)
        if !notifications.isEmpty { return notifications }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, timeoutMilliseconds)
        if ready < 0, errno != EINTR {
            throw PostgresError(code: .connectionLost, message: "poll failed on the listening connection: errno \(errno)")
        }
        if ready > 0 {
            guard PQconsumeInput(handle) == 1 else {
                throw PostgresError(code: .connectionLost, message: "lost the listening connection to PostgreSQL")
            }
            notifications = drain(handle)
        }
        return notifications
    }

    private func drain(_ handle: OpaquePointer) -> [PostgresNotification] {
        var notifications: [PostgresNotification] = []
        while let notify = PQnotifies(handle) {
            notifications.append(
                PostgresNotification(
                    channel: String(cString: notify.pointee.relname),
                    payload: String(cString: notify.pointee.extra)))
            PQfreemem(notify)
        }
        return notifications
    }
}
