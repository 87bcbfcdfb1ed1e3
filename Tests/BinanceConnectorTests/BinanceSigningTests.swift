import BinanceConnector
import Crypto
import Foundation
import TestSupport
import Testing

@Suite("Binance signing")
struct BinanceSigningTests {
    struct Vector: Decodable, Sendable, CustomTestStringConvertible {
        let id: String
        let secret: String
        let payload: String
        let expected_hex: String
        var testDescription: String { id }
    }

    static let vectors: [Vector] = {
        struct File: Decodable { let hmac_sha256: [Vector] }
        let url = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/BinanceConnectorTests/Fixtures/signature_vectors.json")
        return (try? JSONDecoder().decode(File.self, from: Data(contentsOf: url)).hmac_sha256) ?? []
    }()

    @Test("the six documented HMAC-SHA256 vectors sign to the documented hex")
    func documentedVectorCount() {
        #expect(Self.vectors.count == 6)
    }

    @Test("HMAC-SHA256 signature of each documented payload", arguments: vectors)
    func hmac(vector: Vector) {
        let credentials = BinanceCredentials(apiKey: "k", secret: vector.secret)
        #expect(credentials.signature(of: vector.payload) == vector.expected_hex)
    }

    @Test("the REST query encoding reproduces the documented payloads: percent-encoded UTF-8, in the order sent")
    func restEncoding() {
        let query = BinanceQuery([("symbol", "１２３４５６"), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC"), ("quantity", "1"), ("price", "0.1"),
                                  ("recvWindow", "5000"), ("timestamp", "1499827319559")])
        #expect(query.encoded == Self.vectors.first { $0.id == "binance_rest_hmac_non_ascii_percent_encoded" }?.payload)
    }

    @Test("the WebSocket API payload sorts every parameter but the signature, unencoded")
    func webSocketPayload() {
        let query = BinanceQuery([("symbol", "BTCUSDT"), ("side", "SELL"), ("type", "LIMIT"), ("timeInForce", "GTC"), ("quantity", "0.01000000"),
                                  ("price", "52000.00"), ("recvWindow", "100"), ("timestamp", "1645423376532"),
                                  ("apiKey", "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A")])
        #expect(query.sortedPayload == Self.vectors.first { $0.id == "binance_wsapi_hmac_ascii_sorted" }?.payload)
    }

    /// RFC 8032 section 7.1, test 1: a published key, message and signature (Ed25519 is deterministic).
    @Test("Ed25519 signs RFC 8032's first test vector to its published signature, read from a PKCS#8 PEM")
    func ed25519Vector() throws {
        let seed = Data(hex: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        let der = Data(hex: "302e020100300506032b657004220420") + seed
        let pem = "-----BEGIN PRIVATE KEY-----\n\(der.base64EncodedString())\n-----END PRIVATE KEY-----\n"
        let credentials = try BinanceCredentials(apiKey: "k", ed25519PEM: pem)
        let expected = Data(hex: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
        #expect(credentials.signature(of: "") == expected.base64EncodedString())
        #expect(!String(describing: credentials).contains(der.base64EncodedString()))
    }

    @Test("a key file that is not an Ed25519 PKCS#8 key is refused with the reason", arguments: [
        ("not a pem", "PEM"),
        ("-----BEGIN PRIVATE KEY-----\n%%%\n-----END PRIVATE KEY-----", "base64"),
        ("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VuBCIEIA==\n-----END PRIVATE KEY-----", "Ed25519"),
    ])
    func badKeyFiles(text: String, reason: String) {
        #expect {
            _ = try BinanceCredentials(apiKey: "k", ed25519PEM: text)
        } throws: { error in
            String(describing: error).contains(reason)
        }
    }

    @Test("descriptions and redacted logs never show the secret, the signature or the key")
    func redaction() {
        let credentials = BinanceCredentials(apiKey: "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A", secret: "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j")
        #expect(!"\(credentials)".contains("NhqPtm") && !"\(credentials)".contains("vmPUZE6mv9"))
        let logged = BinanceRESTClient.redacted("symbol=BTCUSDT&timestamp=1&signature=c8db56825ae71d6d&x=1 {\"apiKey\":\"secretkey\",\"signature\":\"abc\"}")
        #expect(logged == "symbol=BTCUSDT&timestamp=1&signature=***&x=1 {\"apiKey\":\"***\",\"signature\":\"***\"}")
    }

    @Test("client order ids are deterministic per account and sequence, distinct across accounts, and valid for Binance")
    func clientOrderIDs() {
        let first = BinanceClientOrderID.make(account: "paper", sequence: 12)
        #expect(first == BinanceClientOrderID.make(account: "paper", sequence: 12))
        #expect(first != BinanceClientOrderID.make(account: "live", sequence: 12))
        #expect(first.hasPrefix(BinanceClientOrderID.prefix(account: "paper")) && first.hasSuffix("-12"))
        #expect(BinanceClientOrderID.isValid(BinanceClientOrderID.make(account: String(repeating: "x", count: 200), sequence: Int.max)))
        #expect(!BinanceClientOrderID.isValid("has space") && !BinanceClientOrderID.isValid(String(repeating: "a", count: 37)))
    }
}

extension Data {
    /// Bytes from hex text (test vectors).
    init(hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        self.init(bytes)
    }
}
