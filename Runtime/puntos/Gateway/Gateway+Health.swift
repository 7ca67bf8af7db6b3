import Foundation
import Hummingbird
import NIOCore

extension Gateway {
    /// `GET /healthz`: 200 when the database answers and every built function has a live worker;
    /// 503 with `Retry-After` otherwise.
    func healthz() async -> Response {
        let database = await health()
        var poolStates: [String: Any] = [:]
        var poolsUp = true
        for (name, pool) in pools.sorted(by: { $0.key < $1.key }) {
            let live = await pool.liveWorkers
            let available = pool.isAvailable
            poolStates[name] = ["workers": await pool.workerCount, "live": live, "built": available]
            if available && live == 0 { poolsUp = false }
        }
        let ok = database && poolsUp
        let body: [String: Any] = [
            "status": ok ? "ok" : "unavailable", "database": database ? "ok" : "unreachable", "pools": poolStates,
        ]
        var response = json(ok ? 200 : 503, body)
        if !ok { response.headers[.retryAfter] = "1" }
        return response
    }

    /// `GET /metrics`: the Prometheus text, with the pools' and queues' gauges read now.
    func metricsText() async -> Response {
        for (name, pool) in pools {
            metrics.set("puntos_workers_live", ["function": name], Double(await pool.liveWorkers))
            metrics.set("puntos_workers_busy", ["function": name], Double(await pool.busyWorkers))
            metrics.set("puntos_pool_pending", ["function": name], Double(await pool.pendingCount))
        }
        if let queues, let stats = try? await queues.stats() {
            for row in stats {
                metrics.set("puntos_queue_depth", ["queue": row.queue], Double(row.ready))
                metrics.set("puntos_queue_in_flight", ["queue": row.queue], Double(row.inFlight))
                metrics.set("puntos_queue_delayed", ["queue": row.queue], Double(row.delayed))
                metrics.set("puntos_queue_dead", ["queue": row.queue], Double(row.dead))
            }
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
    }
}
