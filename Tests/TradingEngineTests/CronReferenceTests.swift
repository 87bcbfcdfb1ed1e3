import Foundation
import Testing
import TestSupport
import TradingCore
import TradingEngine

/// Next firing times computed by croniter 7.0.0 (`scripts/reference/cron.py`).
struct CronReference: Decodable {
    struct Case: Decodable, CustomTestStringConvertible {
        let expression: String
        let after: String
        let next: [String]
        var testDescription: String { "\(expression) after \(after)" }
    }

    struct Invalid: Decodable {
        let expression: String
    }

    let cases: [Case]
    let invalid: [Invalid]

    static let shared: CronReference = {
        let url = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/TradingEngineTests/Fixtures/cron_reference.json")
        return try! JSONDecoder().decode(CronReference.self, from: Data(contentsOf: url))
    }()
}

@Suite("Cron expressions against croniter")
struct CronReferenceTests {
    @Test("the next five firing times equal croniter's", arguments: CronReference.shared.cases)
    func nextTimes(reference: CronReference.Case) throws {
        let expression = try CronExpression(reference.expression)
        var time = try #require(Timestamp(iso8601: reference.after))
        for expected in reference.next {
            let next = try #require(expression.next(after: time))
            #expect(next.iso8601 == expected)
            time = next
        }
    }

    @Test("malformed expressions are refused with the reason (six fields and backward ranges too, which croniter accepts)")
    func invalid() {
        for invalid in CronReference.shared.invalid {
            #expect(throws: CronExpression.ParseError.self, "\(invalid.expression)") { try CronExpression(invalid.expression) }
        }
    }
}
