import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

extension Subscribe {
    /// A customer's channels per notice class or kind (`ChannelPreferences`), merged into what they
    /// chose before; `deliver` honours them (`ChannelRoute`). Customers only: a guest's alerts go to
    /// the e-mail they confirmed.
    func preferences(_ event: SubscribeEvent.Preferences, _ context: FunctionContext) throws -> SubscribeOutput {
        let programme = try Validate.programme(event.programme)
        let change = try ChannelPreferences.validateChange(event.channels, field: "channels")
        return try Idempotency.run(
            database: context.database, programme: programme, scope: "subscribe.preferences", key: event.idempotencyKey,
            request: event
        ) { connection in
            _ = try Programme.load(programme, from: connection)
            let subscriber = try SubscriptionStore(connection: connection, programme: programme)
                .subscriber(event.subscriber, field: "subscriber")
            guard let customerId = subscriber.customerId else {
                throw FunctionError.badInput(
                    .invalidSubscriber, field: "subscriber.email",
                    "channels are kept for customers (card_number, customer_id or external_id); a guest's alerts go by e-mail")
            }
            let channels = try NotificationSettingsStore(connection: connection).changeChannels(
                customerId: customerId, set: change.set.mapValues(\.rawValue), forget: change.forget, now: context.now)
            return SubscribeOutput(preferences: PreferencesView(customerId: customerId, channels: channels))
        }
    }
}
