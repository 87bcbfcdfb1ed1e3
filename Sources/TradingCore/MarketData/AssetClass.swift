/// The broad kind of an instrument, which later decides trading hours, fees and venue.
public enum AssetClass: String, Sendable, Hashable, CaseIterable, Codable {
    case crypto
    case equity
    case etf
    case index
    case forex
    case unknown
}
