import Crypto
import Foundation

/// Deterministic `newClientOrderId`s: the same account and order sequence always give the same id,
/// so an order re-derived after a crash is recognised by the exchange (a duplicate is refused)
/// and by reconciliation, and ids of two accounts never collide.
///
/// Form: `to` + the first 10 hex digits of SHA-256(account) + `-` + the sequence: at most 36
/// characters of Binance's `^[.A-Z:/a-z0-9_-]{1,36}$`.
public enum BinanceClientOrderID {
    /// The id of the `sequence`-th order of `account`.
    public static func make(account: String, sequence: Int) -> String {
        "\(prefix(account: account))-\(sequence)"
    }

    /// The part every id of `account` starts with, to recognise its orders among others.
    public static func prefix(account: String) -> String {
        let digest = SHA256.hash(data: Data(account.utf8))
        return "to" + digest.prefix(5).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `text` is an id Binance accepts.
    public static func isValid(_ text: String) -> Bool {
        (1...36).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || [UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "/"),
                                                                                 UInt8(ascii: "_"), UInt8(ascii: "-")].contains(byte)
        }
    }
}
